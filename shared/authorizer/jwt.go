package authorizer

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

// maxJWT is the longest JWT looked at; longer bearer values are malformed.
const maxJWT = 4096

// isJWT reports whether a bearer token has a compact JWS's shape.
func isJWT(tok string) bool { return strings.Count(tok, ".") == 2 && len(tok) <= maxJWT }

// jwts are personal JWTs and OAuth access tokens: signed by Tollgate,
// naming their session in the sid claim.
type jwts struct{ *Authorizer }

// parse lets a JWT through: its signature is checked on a cache miss, and
// a refused token's decision is cached like any other.
func (jwts) parse(p presented) (presented, string) { return p, "" }

// decide verifies the token, then reads what it came from (its session,
// or the API key it was exchanged for) and its owner through their caches.
func (m jwts) decide(ctx context.Context, p presented, _ secret.Hash, now time.Time) (*decision, time.Time, error) {
	v, err := m.verifier(ctx)
	if err != nil { // not a refusal: nothing is cached, the next request reads again
		return nil, now, err
	}
	claims, err := v.Verify(p.token)
	if err != nil {
		m.logRefusal("JWT refused", "authorizer: JWT refused", func() []slog.Attr {
			return []slog.Attr{slog.Any("reason", err)}
		})
		return &decision{}, now, nil
	}
	exp, iat := time.Unix(claims.ExpiresAt, 0), time.Unix(claims.IssuedAt, 0)
	d := &decision{expiresAt: &exp, issuedAt: &iat, audience: claims.Audience, clientID: claims.ClientID}
	if claims.Confirmation != nil {
		d.cnf, d.jkt = claims.Confirmation.X5tS256, claims.Confirmation.JKT
	}
	if strings.HasPrefix(claims.SessionID, apikey.IDPrefix+"_") {
		return m.fromKey(ctx, claims, d, now)
	}
	e, err := m.sessions.load(ctx, claims.SessionID, now)
	if err != nil {
		return nil, now, err
	}
	s := e.val
	if s == nil || !s.Accepts(iat, now) || s.ProjectID != m.opt.ProjectID {
		return d, e.fetched, nil
	}
	owner, fetched, err := m.owner(ctx, s.Owner, now, e.fetched)
	if err != nil {
		return nil, now, err
	}
	if owner != nil {
		d.principal = narrow(m.principal(credential.TypeJWT, s.ID, s.Scopes, owner), claims, s.Kind)
		d.plan = plan(s.ID, s.Limits, owner)
	}
	return d, fetched, nil
}

// fromKey decides on an access token exchanged for an API key (RFC 8693,
// its sid the keyId): it holds while the key does, never beyond its own
// scope claim, and spends the key's counts.
func (m jwts) fromKey(ctx context.Context, claims accesstoken.Claims, d *decision, now time.Time) (*decision, time.Time, error) {
	e, err := m.keys.load(ctx, claims.SessionID, now)
	if err != nil {
		return nil, now, err
	}
	k := e.val
	if k == nil || k.Status != apikey.Active || k.ProjectID != m.opt.ProjectID {
		return d, e.fetched, nil
	}
	owner, fetched, err := m.owner(ctx, k.Owner, now, e.fetched)
	if err != nil {
		return nil, now, err
	}
	if k.ExpiresAt != nil && k.ExpiresAt.Before(*d.expiresAt) {
		d.expiresAt = k.ExpiresAt // a rotated key's overlap ends its tokens too
	}
	if owner != nil {
		d.principal = exchanged(m.principal(credential.TypeAccessToken, k.ID, k.Scopes, owner), claims)
		d.plan = plan(metered(k), k.Limits, owner)
	}
	return d, fetched, nil
}

// narrow turns the principal of a token of a session of kind k into an
// access token's unless the token is a personal JWT itself (kind jwt, its
// jti the session id). A personal JWT follows its session's grant live
// (its scope claim records the grant at issue); an access token is further
// bounded by its scope claim, which a refresh or a token exchange may have
// narrowed. A client's token is the client's: never an admin.
func narrow(p *access.Principal, c accesstoken.Claims, k credential.Kind) *access.Principal {
	if k == credential.KindJWT && c.ID == c.SessionID {
		return p
	}
	p = exchanged(p, c)
	if k == credential.KindClient {
		p.ID, p.Admin = p.CredentialID, false
	}
	return p
}

// exchanged makes p an access token's principal, bounded by its scope claim.
func exchanged(p *access.Principal, c accesstoken.Claims) *access.Principal {
	claimed, _ := scope.ParseClaim(c.Scope) // malformed: nil, which grants nothing
	p.CredentialType, p.Scopes = credential.TypeAccessToken, scope.Intersect(p.Scopes, claimed)
	return p
}

// readSession reads a JWT's session; an id that names no session kind is
// not read.
func readSession(ctx context.Context, s Store, projectID, sid string) (credential.Session, error) {
	if _, ok := credential.KindOf(sid); !ok {
		return credential.Session{}, store.ErrNotFound
	}
	return s.GetSession(ctx, projectID, sid)
}
