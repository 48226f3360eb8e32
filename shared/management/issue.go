package management

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/user"
)

// optionalTime tells an omitted field from null and from a time.
type optionalTime user.Expiry

func (o *optionalTime) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Never = true
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return apigw.Invalid("expiresAt", "must be an RFC 3339 time or null")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return apigw.Invalid("expiresAt", "must be an RFC 3339 time such as 2026-11-23T19:30:00Z")
	}
	o.At = t.UTC()
	return nil
}

// issuing is what every credential creation checks, in order: role, name,
// owner (only an admin names another), scopes (against the owner and the
// calling credential) and expiry (never-expiring only where allowed).
type issuing struct {
	name      string
	owner     *string
	scopes    *[]string
	expiresAt optionalTime
	mayNever  bool          // expiresAt may be null (deployment permitting)
	noExpiry  bool          // the credential has no expiry at all (clients)
	kind      string        // the credential's kind, as refusals name it
	maxLife   time.Duration // the latest expiresAt, from now
}

// lifetime is the expiry policy of a credential issued as in: the default
// lifetime, shortened to the deployment's longest where that is shorter.
func (h *Handler) lifetime(in issuing) user.Lifetime {
	return user.Lifetime{Default: min(apikey.DefaultLifetime, in.maxLife), Max: in.maxLife, MayNever: in.mayNever,
		AllowNever: h.opt.AllowNonExpiringKeys}
}

// tooLate answers an expiresAt beyond the longest lifetime of kind.
func tooLate(kind string, max time.Duration) *apigw.Problem {
	span := max.String()
	if max%(24*time.Hour) == 0 {
		span = fmt.Sprintf("%d days", max/(24*time.Hour))
	}
	return apigw.Invalid("expiresAt", "must be at most %s ahead: the longest lifetime of %s in this deployment", span, kind)
}

func (h *Handler) checkIssue(ctx context.Context, c *call, in issuing) (user.User, scope.Set, *time.Time, error) {
	if !c.user.MayIssue() {
		return user.User{}, nil, nil, apigw.Forbidden("creating credentials needs the credential-issuer or admin role")
	}
	if err := validName("name", in.name); err != nil {
		return user.User{}, nil, nil, err
	}
	owner, err := h.ownerFor(ctx, c, in.owner)
	if err != nil {
		return user.User{}, nil, nil, err
	}
	var requested scope.Set // nil: inherits the owner's
	if in.scopes != nil {
		if requested, err = scope.Parse(*in.scopes); err != nil {
			return user.User{}, nil, nil, apigw.Invalid("scopes", "%v", err)
		}
	}
	if err := c.acting().Grantable(owner, requested); err != nil {
		return user.User{}, nil, nil, refusal(err)
	}
	if in.noExpiry {
		return owner, requested, nil, nil
	}
	// Whether a key may never expire, and how long anything may live, are
	// the deployment's choices.
	expires, err := h.lifetime(in).ExpiresAt(user.Expiry(in.expiresAt), c.now)
	if errors.Is(err, user.ErrExpiryTooLate) {
		return user.User{}, nil, nil, tooLate(in.kind, in.maxLife)
	}
	if err != nil {
		return user.User{}, nil, nil, refusal(err)
	}
	return owner, requested, expires, nil
}

// ownerFor resolves the owner named in a request: the caller by default;
// anyone else only for an admin.
func (h *Handler) ownerFor(ctx context.Context, c *call, named *string) (user.User, error) {
	if named == nil || *named == c.user.ID {
		return c.user, nil
	}
	if err := c.acting().ActFor(*named); err != nil {
		return user.User{}, refusal(err)
	}
	if !id.Valid(user.IDPrefix, *named) {
		return user.User{}, apigw.Invalid("owner", "no such user")
	}
	u, err := h.store.GetUser(ctx, h.opt.ProjectID, *named)
	return found(u, err, apigw.Invalid("owner", "no such user"))
}

// covers refuses to hand the caller a new secret for a credential of
// owner granting scopes (nil: the owner's) unless the calling credential
// holds all of them.
func (h *Handler) covers(ctx context.Context, c *call, owner string, scopes scope.Set) error {
	var o user.User // read only when the credential inherits its scopes
	if scopes == nil {
		var err error
		if o, err = h.ownerFor(ctx, c, &owner); err != nil {
			return err
		}
	}
	return refusal(c.acting().Covers(o, scopes))
}

// refusals are the API's answers to the issuance rules' refusals.
var refusals = []struct {
	err    error
	answer *apigw.Problem
}{
	{user.ErrOtherOwner, apigw.Forbidden("only an admin may act for another owner")},
	{user.ErrInheritNotHeld, apigw.Invalid("scopes", "required: the calling credential holds fewer scopes than the owner, so it cannot grant the owner's scopes")},
	{user.ErrBeyondOwner, apigw.Invalid("scopes", "must be a subset of the owner's scopes")},
	{user.ErrBeyondCaller, apigw.Invalid("scopes", "must be a subset of the calling credential's scopes")},
	{user.ErrNotCovered, apigw.Forbidden("the calling credential holds fewer scopes than the credential whose new secret it asks for")},
	{user.ErrAlwaysExpires, apigw.Invalid("expiresAt", "must be a time: this credential always expires")},
	{user.ErrNeverRefused, apigw.Invalid("expiresAt", "non-expiring keys are not allowed in this deployment")},
	{user.ErrExpiryPast, apigw.Invalid("expiresAt", "must be in the future (by at least a second)")},
	// user.ErrExpiryTooLate is answered by tooLate, which names the bound.
}

// refusal answers an issuance rule's refusal; nil and other errors pass.
func refusal(err error) error {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			p := *r.answer
			return &p
		}
	}
	return err
}
