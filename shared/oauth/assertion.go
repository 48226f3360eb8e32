package oauth

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
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
func (h *Handler) assertionGrant(ctx context.Context, form map[string]string, requested scope.Set) (any, error) {
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
	if err := h.throttled(ctx, "x5t:"+thumbprint, now); err != nil {
		return nil, err
	}
	clientID, named := form["client_id"]
	g, err := h.verifyAssertion(ctx, tok, thumbprint, clientID, named, now)
	if errors.Is(err, errBadAssertion) {
		if err := h.failed(ctx, "x5t:"+thumbprint, now); err != nil {
			return nil, err
		}
		h.opt.Logger.Info("oauth: client assertion refused", "thumbprint", thumbprint)
		return nil, InvalidClient(false)
	}
	if err != nil {
		return nil, err
	}
	scopes, err := grant(g.owner, nil, requested)
	if err != nil {
		return nil, err
	}
	return h.issue(ctx, accesstoken.Claims{Subject: g.sub, SessionID: g.sid, Confirmation: &accesstoken.Confirmation{X5tS256: x5t}},
		scopes, now, now.Add(credential.AccessTokenTTL))
}

var errBadAssertion = errors.New("bad client assertion")

// verifyAssertion checks the assertion against the bound certificate, its
// owner, the client_id sent beside it (when named) and the replay record,
// and opens a sign-in session.
func (h *Handler) verifyAssertion(ctx context.Context, tok, thumbprint, clientID string, named bool, now time.Time) (grantee, error) {
	b, err := h.store.GetCertificate(ctx, h.opt.ProjectID, thumbprint)
	if errors.Is(err, store.ErrNotFound) {
		return grantee{}, errBadAssertion
	}
	if err != nil {
		return grantee{}, err
	}
	v := AssertionVerifier{Audiences: []string{h.opt.Issuer, h.opt.Issuer + "/oauth/token"}, MaxLifetime: MaxAssertionLifetime, Clock: h.opt.Clock}
	claims, err := v.Verify(tok, b.Certificate)
	if err != nil || claims.Subject != b.Owner || named && clientID != claims.Subject || now.Before(b.NotBefore) || !now.Before(b.NotAfter) {
		return grantee{}, errBadAssertion
	}
	owner, err := h.activeOwner(ctx, b.Owner)
	if errors.Is(err, store.ErrNotFound) {
		return grantee{}, errBadAssertion
	}
	if err != nil {
		return grantee{}, err
	}
	if err := h.store.RecordAssertion(ctx, h.opt.ProjectID, claims.Issuer, claims.ID, claims.ExpiresAt); errors.Is(err, store.ErrConflict) {
		return grantee{}, errBadAssertion // a replay
	} else if err != nil {
		return grantee{}, err
	}
	exp := now.Add(credential.AccessTokenTTL)
	s := credential.Session{ProjectID: h.opt.ProjectID, ID: id.New(string(credential.KindAssertion)), Kind: credential.KindAssertion,
		Owner: owner.ID, Name: "private_key_jwt sign-in", Status: credential.Active, CreatedAt: now, ExpiresAt: &exp,
		NotBefore: now.Truncate(time.Second)}
	actx := audit.Retarget(ctx, audit.JWTCreate, audit.Credential(s.Kind.Type(), s.ID), now)
	if err := h.store.CreateSession(actx, s); err != nil {
		return grantee{}, err
	}
	return grantee{sub: owner.ID, sid: s.ID, owner: owner}, nil
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
