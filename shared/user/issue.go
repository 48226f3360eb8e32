package user

import (
	"errors"
	"time"

	"github.com/tollgate/tollgate/shared/scope"
)

// Refusals of the issuance rules; test with errors.Is. Each caller answers
// them in its own terms: who may act for whom (ErrOtherOwner), which scopes
// a new credential may be granted (ErrInheritNotHeld, ErrBeyondOwner,
// ErrBeyondCaller) or a token asks for (ErrBeyondGrant), whether the caller
// may be handed a credential's new secret (ErrNotCovered), and its expiry.
var (
	ErrOtherOwner     = errors.New("user: only an admin may act for another owner")
	ErrInheritNotHeld = errors.New("user: the calling credential holds fewer scopes than the owner")
	ErrBeyondOwner    = errors.New("user: scopes beyond the owner's")
	ErrBeyondCaller   = errors.New("user: scopes beyond the calling credential's")
	ErrNotCovered     = errors.New("user: the calling credential holds fewer scopes than the credential")
	ErrBeyondGrant    = errors.New("user: scopes beyond what was granted")
	ErrAlwaysExpires  = errors.New("user: this kind of credential always expires")
	ErrNeverRefused   = errors.New("user: non-expiring credentials are not allowed in this deployment")
	ErrExpiryPast     = errors.New("user: expiry is not at least a second ahead")
	ErrExpiryTooLate  = errors.New("user: expiry is beyond the longest lifetime")
)

// Caller is a user acting through one of its credentials.
type Caller struct {
	User   User
	Scopes scope.Set // the calling credential's effective scopes
}

// ActFor checks that c may act for the owner ownerID: itself, or anyone for
// an admin.
func (c Caller) ActFor(ownerID string) error {
	if ownerID != c.User.ID && !c.User.IsAdmin() {
		return ErrOtherOwner
	}
	return nil
}

// Grantable checks the scopes requested for a new credential of owner (nil:
// it inherits the owner's): within the owner's scopes and the calling
// credential's. Only a credential holding all of the owner's scopes may
// issue one that inherits them.
func (c Caller) Grantable(owner User, requested scope.Set) error {
	switch {
	case requested == nil && !c.Scopes.Covers(owner.EffectiveScopes()):
		return ErrInheritNotHeld
	case requested == nil:
		return nil
	case !owner.EffectiveScopes().Covers(requested):
		return ErrBeyondOwner
	case !c.Scopes.Covers(requested):
		return ErrBeyondCaller
	}
	return nil
}

// Covers checks that the calling credential holds every scope a credential
// of owner granted granted (nil: inherits) holds, before c is handed that
// credential's new secret.
func (c Caller) Covers(owner User, granted scope.Set) error {
	if !c.Scopes.Covers(owner.GrantOf(granted)) {
		return ErrNotCovered
	}
	return nil
}

// Narrow is what a session of u granted granted (nil: inherits) gives a
// token that asks for requested (nil: everything it may): never more than
// the grant, and bounded by u's current scopes.
func (u User) Narrow(granted, requested scope.Set) (scope.Set, error) {
	if requested != nil {
		if !u.GrantOf(granted).Covers(requested) {
			return nil, ErrBeyondGrant
		}
		granted = requested
	}
	return u.ScopesFor(granted), nil
}

// Expiry is a requested expiry: omitted (Set false), never (Never) or At.
type Expiry struct {
	Set, Never bool
	At         time.Time
}

// Lifetime is the expiry policy of one kind of credential in a deployment.
type Lifetime struct {
	Default    time.Duration // applied when no expiry is requested
	Max        time.Duration // the latest expiry, from now; 0: no bound
	MayNever   bool          // the kind may be issued without an expiry
	AllowNever bool          // the deployment allows credentials without one
}

// ExpiresAt is the expiry a credential requested with e gets at now; nil
// means never.
func (l Lifetime) ExpiresAt(e Expiry, now time.Time) (*time.Time, error) {
	var at time.Time
	switch {
	case e.Never && !l.MayNever:
		return nil, ErrAlwaysExpires
	case !e.Set:
		at = now.Add(l.Default)
	case e.Never && !l.AllowNever:
		return nil, ErrNeverRefused
	case e.Never:
		return nil, nil
	case e.At.Unix() <= now.Unix():
		return nil, ErrExpiryPast
	default:
		at = e.At
	}
	if err := l.Within(at, now); err != nil {
		return nil, err
	}
	return &at, nil
}

// Within checks that an expiry at is no later than the longest lifetime
// from now, for a credential being issued or a successor keeping its
// predecessor's expiry.
func (l Lifetime) Within(at, now time.Time) error {
	if l.Max > 0 && at.After(now.Add(l.Max)) {
		return ErrExpiryTooLate
	}
	return nil
}
