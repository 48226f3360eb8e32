package oauth

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

func (h *Handler) refreshGrant(ctx context.Context, req events.APIGatewayProxyRequest, form map[string]string) (any, error) {
	presented := form["refresh_token"]
	if presented == "" {
		return nil, InvalidRequest("refresh_token is required")
	}
	requested, err := requestedScopes(form)
	if err != nil {
		return nil, err
	}
	proof, proved, err := h.proof(req)
	if err != nil {
		return nil, err
	}
	now := h.opt.Clock.Now()
	// The owner and the scope are checked before the token is spent, so a
	// refused request leaves it usable.
	var owner user.User
	var scopes scope.Set
	admit := func(fam refresh.Family) error {
		o, err := h.activeOwner(ctx, fam.Owner)
		if errors.Is(err, store.ErrNotFound) {
			return refresh.ErrInvalidGrant
		}
		if err != nil {
			return err
		}
		owner = o
		if scopes, err = grant(o, fam.Scopes, requested); err != nil || !proved {
			return err
		}
		// Spent once the token and its family stand, before the rotation.
		return h.spendProof(ctx, proof)
	}
	fam, successor, err := h.exchange.Exchange(ctx, h.opt.ProjectID, presented, proof.JKT, now, admit)
	switch {
	case errors.Is(err, refresh.ErrReuse):
		h.opt.Logger.Warn("oauth: refresh token reuse detected; family revoked", "familyId", fam.ID, "hint", secret.Hint(presented))
		return nil, InvalidGrant("the refresh token is invalid, expired or revoked")
	case errors.Is(err, refresh.ErrInvalidGrant):
		return nil, InvalidGrant("the refresh token is invalid, expired or revoked")
	case errors.Is(err, refresh.ErrKeyBinding):
		h.opt.Logger.Info("oauth: DPoP-bound refresh token without a proof of its key", "familyId", fam.ID, "proved", proved)
		return nil, InvalidGrant("the refresh token is bound to a DPoP key: send a DPoP proof made with that key")
	case err != nil:
		return nil, err
	}
	exp := now.Add(fam.AccessTokenTTL)
	if fam.ExpiresAt != nil && fam.ExpiresAt.Before(exp) {
		exp = *fam.ExpiresAt
	}
	// A bound family's tokens are bound to its key: the request proved it.
	resp, err := h.issue(ctx, accesstoken.Claims{Subject: owner.ID, SessionID: fam.ID}, scopes, now, exp, proof.JKT)
	if err != nil {
		return nil, err
	}
	resp.RefreshToken = successor
	return resp, nil
}
