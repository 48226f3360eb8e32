package oauth

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/authorizer"
)

// ScopeIntrospect is the scope a client needs to introspect tokens.
const ScopeIntrospect = "tokens:introspect"

// introspection is RFC 7662 §2.2's answer; an inactive token's is
// {"active":false} alone.
type introspection struct {
	Active         bool              `json:"active"`
	Sub            string            `json:"sub,omitempty"`
	Scope          *string           `json:"scope,omitempty"`
	Exp            int64             `json:"exp,omitempty"`
	Iat            int64             `json:"iat,omitempty"`
	TokenType      string            `json:"token_type,omitempty"`
	CredentialType string            `json:"credential_type,omitempty"`
	CredentialID   string            `json:"credential_id,omitempty"`
	ClientID       string            `json:"client_id,omitempty"`
	Aud            string            `json:"aud,omitempty"`
	Iss            string            `json:"iss,omitempty"`
	Cnf            map[string]string `json:"cnf,omitempty"`
}

// introspect answers for any Tollgate token, to a client holding
// ScopeIntrospect, with the decision the authorizer makes on it.
func (h *Handler) introspect(ctx context.Context, req events.APIGatewayProxyRequest) (any, error) {
	form, err := parse(req)
	if err != nil {
		return nil, err
	}
	auth, present, err := authenticateClient(req, form)
	if err != nil {
		return nil, err
	}
	if !present {
		return nil, InvalidClient(false)
	}
	g, err := h.verifyClient(ctx, auth, req.RequestContext.Identity.SourceIP, h.opt.Clock.Now())
	if err != nil {
		return nil, err
	}
	if g.clientID == "" { // a user signing in with a password is no client
		return nil, InvalidClient(auth.basic)
	}
	if !g.owner.ScopesFor(g.scopes).Has(ScopeIntrospect) {
		return nil, InsufficientScope("the client needs the " + ScopeIntrospect + " scope")
	}
	tok, ok := form["token"]
	if !ok || tok == "" {
		return nil, InvalidRequest("token is required")
	}
	in, active, err := h.opt.Inspector.Inspect(ctx, tok)
	if err != nil || !active {
		return introspection{}, err
	}
	return introspected(in, h.opt.Issuer), nil
}

// introspected is what introspection says of an active token.
func introspected(in authorizer.Inspection, issuer string) introspection {
	p := in.Principal
	sc := p.Scopes.String()
	out := introspection{Active: true, Sub: p.ID, Scope: &sc, TokenType: in.Scheme, CredentialType: string(p.CredentialType),
		CredentialID: p.CredentialID, ClientID: in.ClientID, Aud: in.Audience}
	if in.Audience != "" {
		out.Iss = issuer
	}
	if in.ExpiresAt != nil {
		out.Exp = in.ExpiresAt.Unix()
	}
	if in.IssuedAt != nil {
		out.Iat = in.IssuedAt.Unix()
	}
	if in.X5tS256 != "" {
		out.Cnf = map[string]string{"x5t#S256": in.X5tS256}
	}
	if in.JKT != "" { // RFC 9449 §6.2; token_type is DPoP
		out.Cnf = map[string]string{"jkt": in.JKT}
	}
	return out
}
