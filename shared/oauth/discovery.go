package oauth

import (
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/dpop"
)

// jwks answers the JSON Web Key Set of the token signing keys.
func (h *Handler) jwks() events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(h.opt.Keys.JWKS()),
		Headers: map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=300"}}
}

// metadata is the authorization server metadata (RFC 8414).
func (h *Handler) metadata() map[string]any {
	return map[string]any{
		"issuer":                                h.opt.Issuer,
		"token_endpoint":                        h.opt.Issuer + "/oauth/token",
		"jwks_uri":                              h.opt.Issuer + "/.well-known/jwks.json",
		"revocation_endpoint":                   h.opt.Issuer + "/oauth/revoke",
		"grant_types_supported":                 []string{grantClient, grantRefresh, grantExchange},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"},
		"tls_client_certificate_bound_access_tokens":       true,
		"revocation_endpoint_auth_methods_supported":       []string{"client_secret_basic", "client_secret_post", "none"},
		"response_types_supported":                         []string{},
		"introspection_endpoint":                           h.opt.Issuer + "/oauth/introspect",
		"introspection_endpoint_auth_methods_supported":    []string{"client_secret_basic", "client_secret_post"},
		"dpop_signing_alg_values_supported":                dpop.Algorithms,
	}
}
