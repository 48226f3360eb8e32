package oauth

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store"
)

// AssertionType is RFC 7523's client assertion type.
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// MaxAssertionLifetime bounds how far ahead an assertion's exp may be.
const MaxAssertionLifetime = 5 * time.Minute

// assertionGrant answers client_credentials authenticated by a
// private_key_jwt assertion signed with the key of the user's bound
// certificate: a certificate-bound access token (RFC 8705 cnf), good only
// over mutual TLS with that certificate. Every failure is invalid_client.
// Nothing is written for a refused request but its attempt, counted per
// certificate and source before the assertion is checked: the assertion is
// spent (its jti recorded) and its sign-in session opened only once the
// scope is granted.
func (h *Handler) assertionGrant(ctx context.Context, form map[string]string, source string, requested scope.Set) (any, error) {
	now := h.opt.Clock.Now()
	tok := form["client_assertion"]
	x5t, err := AssertionThumbprint(tok)
	if err != nil || form["client_assertion_type"] != AssertionType {
		return nil, InvalidClient(false)
	}
	thumbprint, ok := hexThumbprint(x5t)
	if !ok {
		return nil, InvalidClient(false)
	}
	att, err := h.reserve(ctx, "x5t:"+thumbprint, source, now)
	if err != nil {
		return nil, err
	}
	clientID, named := form["client_id"]
	g, scopes, err := h.spendAssertion(ctx, tok, thumbprint, clientID, named, requested, now)
	if errors.Is(err, errBadAssertion) {
		att.spend()
		h.opt.Logger.Info("oauth: client assertion refused", "thumbprint", thumbprint)
		return nil, InvalidClient(false)
	}
	// Only a bad assertion (or a replay) keeps its attempt.
	if err := errors.Join(err, att.release(ctx)); err != nil {
		return nil, err
	}
	if err := h.openSignIn(ctx, g, now); err != nil {
		return nil, err
	}
	return h.issue(ctx, accesstoken.Claims{Subject: g.sub, SessionID: g.sid, Confirmation: &accesstoken.Confirmation{X5tS256: x5t}},
		scopes, now, now.Add(credential.AccessTokenTTL), "")
}

var errBadAssertion = errors.New("bad client assertion")

// spendAssertion verifies the assertion, grants the requested scope and
// records the assertion's jti: who signs in and with which scopes, or
// errBadAssertion for a bad assertion or a replay.
func (h *Handler) spendAssertion(ctx context.Context, tok, thumbprint, clientID string, named bool, requested scope.Set, now time.Time) (grantee, scope.Set, error) {
	g, claims, err := h.verifyAssertion(ctx, tok, thumbprint, clientID, named, now)
	if err != nil {
		return grantee{}, nil, err
	}
	scopes, err := grant(g.owner, nil, requested)
	if err != nil {
		return grantee{}, nil, err
	}
	// The replay record is one conditional write: of two racing uses of an
	// assertion, exactly one gets past it.
	err = h.store.RecordAssertion(ctx, h.opt.ProjectID, claims.Issuer, claims.ID, claims.ExpiresAt)
	if errors.Is(err, store.ErrConflict) {
		return grantee{}, nil, errBadAssertion // a replay
	}
	return g, scopes, err
}

// verifyAssertion checks the assertion against the bound certificate, its
// owner and the client_id sent beside it (when named), writing nothing: it
// returns who signs in, with the sign-in session to open, and the claims
// whose jti the caller records.
func (h *Handler) verifyAssertion(ctx context.Context, tok, thumbprint, clientID string, named bool, now time.Time) (grantee, AssertionClaims, error) {
	b, err := h.store.GetCertificate(ctx, h.opt.ProjectID, thumbprint)
	if errors.Is(err, store.ErrNotFound) {
		return grantee{}, AssertionClaims{}, errBadAssertion
	}
	if err != nil {
		return grantee{}, AssertionClaims{}, err
	}
	v := AssertionVerifier{Audiences: []string{h.opt.Issuer, h.opt.Issuer + "/oauth/token"}, MaxLifetime: MaxAssertionLifetime, Clock: h.opt.Clock}
	claims, err := v.Verify(tok, b.Certificate)
	if err != nil || claims.Subject != b.Owner || named && clientID != claims.Subject || now.Before(b.NotBefore) || !now.Before(b.NotAfter) {
		return grantee{}, AssertionClaims{}, errBadAssertion
	}
	owner, err := h.activeOwner(ctx, b.Owner)
	if errors.Is(err, store.ErrNotFound) {
		return grantee{}, AssertionClaims{}, errBadAssertion
	}
	if err != nil {
		return grantee{}, AssertionClaims{}, err
	}
	s := h.signIn(credential.KindAssertion, "private_key_jwt sign-in", owner.ID, now)
	return grantee{sub: owner.ID, sid: s.ID, owner: owner, signIn: &s}, claims, nil
}

// hexThumbprint turns an x5t#S256 (base64url SHA-256) into the upper-case
// hex thumbprint certificates are stored under.
func hexThumbprint(x5t string) (string, bool) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(x5t)
	if err != nil || len(raw) != 32 {
		return "", false
	}
	return strings.ToUpper(hex.EncodeToString(raw)), true
}
