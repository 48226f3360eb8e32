package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

func (h *Handler) revoke(ctx context.Context, req events.APIGatewayProxyRequest) (any, error) {
	form, err := parse(req)
	if err != nil {
		return nil, err
	}
	tok := form["token"]
	if tok == "" {
		return nil, InvalidRequest("token is required")
	}
	now := h.opt.Clock.Now()
	var caller string // the authenticated client, if any
	if auth, present, err := authenticateClient(req, form); err != nil {
		return nil, err
	} else if present {
		g, err := h.verifyClient(ctx, auth, req.RequestContext.Identity.SourceIP, now)
		if err != nil {
			return nil, err
		}
		caller = g.clientID
		ctx = h.template(ctx, req, caller)
	}
	if secret.Kind(tok) == secret.PrefixRefreshToken {
		return struct{}{}, h.revokeRefresh(ctx, tok, caller, now)
	}
	claims, err := h.verifier.Verify(tok)
	if err != nil {
		return struct{}{}, nil // unknown, invalid or expired: nothing to revoke (RFC 7009 §2.2)
	}
	if caller != "" && claims.ClientID != caller {
		return nil, UnauthorizedClient("the token was not issued to this client")
	}
	kind, _ := credential.KindOf(claims.SessionID)
	switch kind {
	case credential.KindJWT, credential.KindPassword, credential.KindAssertion:
		err = h.store.RevokeSession(audit.Retarget(ctx, audit.JWTRevoke, audit.Credential(kind.Type(), claims.SessionID), now), h.opt.ProjectID, claims.SessionID, now)
	case credential.KindRefresh:
		err = h.store.RevokeSession(audit.Retarget(ctx, audit.RefreshRevoke, audit.Credential(kind.Type(), claims.SessionID), now), h.opt.ProjectID, claims.SessionID, now)
	case credential.KindClient:
		// The client stays; every token it holds now stops.
		actx := audit.Retarget(ctx, audit.JWTRevoke, audit.Credential(kind.Type(), claims.SessionID), now)
		err = h.store.RevokeTokensBefore(actx, h.opt.ProjectID, claims.SessionID, now.Truncate(time.Second).Add(time.Second))
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *Handler) revokeRefresh(ctx context.Context, tok, caller string, now time.Time) error {
	if caller != "" {
		// Refresh tokens are never issued to a client; answered before any
		// lookup, so the answer says nothing about the token.
		return UnauthorizedClient("the token was not issued to this client")
	}
	if _, err := secret.Check(tok, secret.PrefixRefreshToken); err != nil {
		return nil
	}
	t, err := h.store.GetRefreshToken(ctx, h.opt.ProjectID, secret.Sum(tok))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	actx := audit.Retarget(ctx, audit.RefreshRevoke, audit.Credential(credential.TypeRefreshToken, t.FamilyID), now)
	if err := h.store.RevokeFamily(actx, h.opt.ProjectID, t.FamilyID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}
