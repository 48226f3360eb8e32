package oauth

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/credential"
)

func (h *Handler) clientGrant(ctx context.Context, req events.APIGatewayProxyRequest, form map[string]string) (any, error) {
	auth, present, err := authenticateClient(req, form)
	if err != nil {
		return nil, err
	}
	_, hasAssertion := form["client_assertion"]
	_, hasAssertionType := form["client_assertion_type"]
	if hasAssertion || hasAssertionType {
		// A client_id beside the assertion names the client (RFC 7521
		// §4.2): it is no second method, unlike Basic or a client_secret.
		if _, hasSecret := form["client_secret"]; auth.basic || hasSecret {
			return nil, InvalidRequest("use one client authentication method, not both")
		}
		requested, err := requestedScopes(form)
		if err != nil {
			return nil, err
		}
		// Its token is bound to the certificate (cnf.x5t#S256), and a
		// token has one confirmation.
		if _, ok, err := h.proof(req); err != nil {
			return nil, err
		} else if ok {
			return nil, InvalidRequest("DPoP is not available with private_key_jwt: its tokens are certificate-bound")
		}
		return h.assertionGrant(ctx, form, req.RequestContext.Identity.SourceIP, requested)
	}
	if !present {
		return nil, InvalidClient(false)
	}
	requested, err := requestedScopes(form)
	if err != nil {
		return nil, err
	}
	proof, proved, err := h.proof(req) // a bad one is refused before the secret is checked
	if err != nil {
		return nil, err
	}
	now := h.opt.Clock.Now()
	g, err := h.verifyClient(ctx, auth, req.RequestContext.Identity.SourceIP, now)
	if err != nil {
		return nil, err
	}
	scopes, err := grant(g.owner, g.scopes, requested)
	if err != nil {
		return nil, err
	}
	if proved {
		if err := h.spendProof(ctx, proof); err != nil {
			return nil, err
		}
	}
	if err := h.openSignIn(ctx, g, now); err != nil {
		return nil, err
	}
	return h.issue(ctx, accesstoken.Claims{Subject: g.sub, ClientID: g.clientID, SessionID: g.sid}, scopes, now, now.Add(credential.AccessTokenTTL), proof.JKT)
}
