package credential

import (
	"time"

	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/scope"
)

// Kind of session.
type Kind string

// Session kinds, also the prefixes of their ids.
const (
	KindJWT     Kind = "jwt" // a personal JWT (tokenId jwt_…)
	KindRefresh Kind = "rtf" // a refresh-token family (tokenId rtf_…)
	KindClient  Kind = "cli" // an OAuth client (clientId cli_…)
	// KindPassword is one username/password sign-in (its token's sid).
	KindPassword Kind = "pwd"
	// KindAssertion is one private_key_jwt sign-in with a bound certificate.
	KindAssertion Kind = "pkj"
)

// Status of a session.
type Status string

// Session statuses.
const (
	Active  Status = "active"
	Revoked Status = "revoked"
	Expired Status = "expired" // set by the expiry sweep
)

// Session is the state every JWT-minting credential shares.
type Session struct {
	ProjectID string
	ID        string
	Kind      Kind
	Owner     string // the userId whose current scopes bound the session
	Name      string
	Scopes    scope.Set // nil: inherits the owner's scopes, live
	Status    Status
	CreatedAt time.Time
	ExpiresAt *time.Time // nil: never
	// NotBefore refuses tokens issued before it: revoking the tokens of a
	// session that stays (an OAuth client) moves it forward.
	NotBefore time.Time
	Limits    meter.Limits // an OAuth client's; none for the other kinds
	// Version is the store's revision of the record: 1 when created, and
	// each change the store makes is conditional on it and increments it.
	Version int64
}

// Accepts reports whether a token of this session issued at iat is
// acceptable at now.
func (s Session) Accepts(iat, now time.Time) bool {
	return s.Status == Active && !iat.Before(s.NotBefore) && (s.ExpiresAt == nil || now.Before(*s.ExpiresAt))
}

// KindOf returns the kind named by an id's prefix, or false.
func KindOf(id string) (Kind, bool) {
	if len(id) < 4 || id[3] != '_' {
		return "", false
	}
	switch k := Kind(id[:3]); k {
	case KindJWT, KindRefresh, KindClient, KindPassword, KindAssertion:
		return k, true
	}
	return "", false
}
