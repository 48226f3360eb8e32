package user

import (
	"time"

	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/scope"
)

// IDPrefix starts every userId.
const IDPrefix = "usr"

// Built-in roles.
const (
	// RoleAdmin may do everything, including managing other users' credentials.
	RoleAdmin = "admin"
	// RoleCredentialIssuer may create credentials for itself.
	RoleCredentialIssuer = "credential-issuer"
)

// User is a principal that owns credentials.
type User struct {
	ProjectID string
	ID        string
	Username  string
	Roles     []string
	Scopes    scope.Set
	Disabled  bool
	CreatedAt time.Time
	// PasswordHash is the Argon2id hash of the user's password, "" when it
	// has none (password sign-in is off by default).
	PasswordHash string
	// RateLimit, if set, caps the requests all of the user's credentials
	// make together.
	RateLimit *meter.RateLimit
	// Version is the store's revision of the record: 1 when created, and
	// each change the store makes is conditional on it and increments it.
	Version int64
}

// IsAdmin reports whether the user holds the admin role.
func (u User) IsAdmin() bool { return hasRole(u.Roles, RoleAdmin) }

// MayIssue reports whether the user may create credentials.
func (u User) MayIssue() bool {
	return hasRole(u.Roles, RoleAdmin) || hasRole(u.Roles, RoleCredentialIssuer)
}

// EffectiveScopes is what the user grants its credentials now: nothing when
// disabled, every scope when admin, else its scopes.
func (u User) EffectiveScopes() scope.Set {
	switch {
	case u.Disabled:
		return scope.Set{}
	case u.IsAdmin():
		return scope.Set{scope.All}
	}
	return u.Scopes
}

// GrantOf is what a credential granted scopes holds: those scopes, or, when
// it inherits (nil), the user's current ones.
func (u User) GrantOf(granted scope.Set) scope.Set {
	if granted == nil {
		return u.EffectiveScopes()
	}
	return granted
}

// ScopesFor is the effective-scope rule, written only here: what a
// credential of this user that was granted scopes (nil: inherits) may do
// now, its grant bounded by the user's current scopes.
func (u User) ScopesFor(granted scope.Set) scope.Set {
	return scope.Intersect(u.GrantOf(granted), u.EffectiveScopes())
}

func hasRole(roles []string, r string) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}
