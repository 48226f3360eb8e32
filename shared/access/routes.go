package access

import "github.com/tollgate/tollgate/shared/user"

// Function names: the Lambda function that serves a route.
const (
	FnIssueKeys    = "issuekeys"
	FnToken        = "token"
	FnCertificates = "certificates"
)

// Route is one protected API Gateway method.
type Route struct {
	Method   string // HTTP method
	Resource string // API Gateway resource path, {name} for a path parameter
	Scope    string // scope the credential must hold; "" means any valid credential
	Role     string // role the owner must hold, "" for none
	Function string // the function that serves it
}

// Routes is Tollgate's own route table. Deployments add their routes here.
var Routes = []Route{
	{"GET", "/v1/whoami", "", "", FnIssueKeys},

	{"GET", "/v1/keys", "credentials:read", "", FnIssueKeys},
	{"POST", "/v1/keys", "credentials:write", "", FnIssueKeys},
	{"GET", "/v1/keys/{keyId}", "credentials:read", "", FnIssueKeys},
	{"PATCH", "/v1/keys/{keyId}", "credentials:write", "", FnIssueKeys},
	{"DELETE", "/v1/keys/{keyId}", "credentials:write", "", FnIssueKeys},
	{"POST", "/v1/keys/{keyId}/rotate", "credentials:write", "", FnIssueKeys},
	{"GET", "/v1/keys/{keyId}/usage", "credentials:read", "", FnIssueKeys},

	{"GET", "/v1/tokens/jwt", "credentials:read", "", FnIssueKeys},
	{"POST", "/v1/tokens/jwt", "credentials:write", "", FnIssueKeys},
	{"GET", "/v1/tokens/jwt/{tokenId}", "credentials:read", "", FnIssueKeys},
	{"DELETE", "/v1/tokens/jwt/{tokenId}", "credentials:write", "", FnIssueKeys},
	{"GET", "/v1/tokens/refresh", "credentials:read", "", FnIssueKeys},
	{"POST", "/v1/tokens/refresh", "credentials:write", "", FnIssueKeys},
	{"GET", "/v1/tokens/refresh/{tokenId}", "credentials:read", "", FnIssueKeys},
	{"DELETE", "/v1/tokens/refresh/{tokenId}", "credentials:write", "", FnIssueKeys},

	{"GET", "/v1/clients", "credentials:read", "", FnIssueKeys},
	{"POST", "/v1/clients", "credentials:write", "", FnIssueKeys},
	{"GET", "/v1/clients/{clientId}", "credentials:read", "", FnIssueKeys},
	{"PATCH", "/v1/clients/{clientId}", "credentials:write", "", FnIssueKeys},
	{"POST", "/v1/clients/{clientId}/secret", "credentials:write", "", FnIssueKeys},
	{"GET", "/v1/clients/{clientId}/usage", "credentials:read", "", FnIssueKeys},
	{"DELETE", "/v1/clients/{clientId}", "credentials:write", "", FnIssueKeys},

	{"GET", "/v1/users/{userId}/certificate", "certificates:read", "", FnCertificates},
	{"PUT", "/v1/users/{userId}/certificate", "certificates:write", "", FnCertificates},
	{"DELETE", "/v1/users/{userId}/certificate", "certificates:write", "", FnCertificates},

	{"GET", "/v1/sas", "sas:read", "", FnIssueKeys},
	{"PATCH", "/v1/sas", "sas:write", "", FnIssueKeys},
	{"POST", "/v1/sas/regenerate", "sas:write", "", FnIssueKeys},
	{"POST", "/v1/sas/token", "sas:write", "", FnIssueKeys},

	{"GET", "/v1/users", "users:admin", user.RoleAdmin, FnIssueKeys},
	{"POST", "/v1/users", "users:admin", user.RoleAdmin, FnIssueKeys},
	{"GET", "/v1/users/{userId}", "users:admin", user.RoleAdmin, FnIssueKeys},
	{"PATCH", "/v1/users/{userId}", "users:admin", user.RoleAdmin, FnIssueKeys},
	{"DELETE", "/v1/users/{userId}", "users:admin", user.RoleAdmin, FnIssueKeys},

	{"GET", "/v1/audit", "audit:read", user.RoleAdmin, FnIssueKeys},
}

// PublicRoutes are served without the authorizer: the OAuth endpoints
// authenticate clients themselves, the key set is public, and GitHub's
// secret scanning reports carry GitHub's signature.
var PublicRoutes = []Route{
	{Method: "POST", Resource: "/oauth/token", Function: FnToken},
	{Method: "POST", Resource: "/oauth/revoke", Function: FnToken},
	{Method: "POST", Resource: "/oauth/introspect", Function: FnToken},
	{Method: "GET", Resource: "/.well-known/jwks.json", Function: FnToken},
	{Method: "GET", Resource: "/.well-known/oauth-authorization-server", Function: FnToken},
	{Method: "POST", Resource: "/v1/secret-scanning/github", Function: FnIssueKeys},
}
