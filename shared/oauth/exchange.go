package oauth

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/credential"
)

// Token exchange (RFC 8693): names of its grant and token types.
const (
	grantExchange   = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeAccess = "urn:ietf:params:oauth:token-type:access_token"
)

// ExchangeTTL is the longest life of an exchanged access token; it never
// outlives its subject credential either.
const ExchangeTTL = time.Hour

// Inspector makes the authorizer's decision on a token presented alone
// (authorizer.Authorizer.Inspect): token exchange reads its subject token,
// and introspection any token, through it.
type Inspector interface {
	Inspect(ctx context.Context, token string) (authorizer.Inspection, bool, error)
}

// exchangeResponse is RFC 8693 §2.2.1.
type exchangeResponse struct {
	tokenResponse
	IssuedTokenType string `json:"issued_token_type"`
}

// exchangeGrant exchanges an API key or a personal JWT (the subject token)
// for a short-lived access token of the same principal, with at most its
// scopes, for the deployment's audience or one of its exchange audiences.
// The subject token is the only credential: the request takes no client
// authentication, no actor (delegation) and no resource.
func (h *Handler) exchangeGrant(ctx context.Context, req events.APIGatewayProxyRequest, form map[string]string) (any, error) {
	if err := exchangeParams(req, form); err != nil {
		return nil, err
	}
	aud := h.opt.Audience
	if v, ok := form["audience"]; ok && v != aud {
		if !slices.Contains(h.opt.ExchangeAudiences, v) {
			return nil, InvalidTarget("audience is not one this server issues tokens for")
		}
		aud = v
	}
	requested, err := requestedScopes(form)
	if err != nil {
		return nil, err
	}
	proof, proved, err := h.proof(req)
	if err != nil {
		return nil, err
	}
	in, active, err := h.opt.Inspector.Inspect(ctx, form["subject_token"])
	if err != nil {
		return nil, err
	}
	t := in.Principal.CredentialType
	if !active || (t != credential.TypeAPIKey && t != credential.TypeJWT) {
		// RFC 8693 §2.2.2: an unacceptable subject token is invalid_request.
		return nil, InvalidRequest("subject_token is not an active API key or personal JWT")
	}
	scopes := in.Principal.Scopes
	if requested != nil {
		if !scopes.Covers(requested) {
			return nil, InvalidScope("scope exceeds what the subject token holds")
		}
		scopes = requested
	}
	now := h.opt.Clock.Now()
	exp := now.Add(ExchangeTTL)
	if in.ExpiresAt != nil && in.ExpiresAt.Before(exp) {
		exp = *in.ExpiresAt
	}
	if exp.Unix() <= now.Unix() {
		return nil, InvalidRequest("subject_token is not an active API key or personal JWT")
	}
	if proved {
		if err := h.spendProof(ctx, proof); err != nil {
			return nil, err
		}
	}
	resp, err := h.issue(ctx, accesstoken.Claims{Subject: in.Principal.ID, Audience: aud, SessionID: in.Principal.CredentialID}, scopes, now, exp, proof.JKT)
	if err != nil {
		return nil, err
	}
	h.opt.Logger.Info("oauth: token exchanged", "credentialId", in.Principal.CredentialID, "audience", aud, "scope", resp.Scope)
	return exchangeResponse{tokenResponse: resp, IssuedTokenType: TokenTypeAccess}, nil
}

// exchangeParams checks what a token exchange request may and must carry.
func exchangeParams(req events.APIGatewayProxyRequest, form map[string]string) error {
	if _, _, basic, _ := BasicAuth(header(req, "Authorization")); basic || has(form, "client_id", "client_secret", "client_assertion") {
		return InvalidRequest("token exchange takes no client authentication: the subject_token is the credential")
	}
	if has(form, "actor_token", "actor_token_type") {
		return InvalidRequest("actor_token is not supported: the issued token acts as the subject")
	}
	if has(form, "resource") {
		return InvalidTarget("resource is not supported: name the target with audience")
	}
	switch {
	case form["subject_token"] == "":
		return InvalidRequest("subject_token is required")
	case form["subject_token_type"] != TokenTypeAccess:
		return InvalidRequest("subject_token_type must be " + TokenTypeAccess)
	}
	if v, ok := form["requested_token_type"]; ok && v != TokenTypeAccess {
		return InvalidRequest("requested_token_type must be " + TokenTypeAccess)
	}
	return nil
}

// has reports whether form carries any of names.
func has(form map[string]string, names ...string) bool {
	for _, n := range names {
		if _, ok := form[n]; ok {
			return true
		}
	}
	return false
}
