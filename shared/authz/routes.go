package authz

import "github.com/tollgate/tollgate/shared/user"

// Function names: the Lambda function that serves a route.
const (
	FnIssueKeys = "issuekeys"
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

	{"GET", "/v1/users", "users:admin", user.RoleAdmin, FnIssueKeys},
	{"POST", "/v1/users", "users:admin", user.RoleAdmin, FnIssueKeys},
	{"GET", "/v1/users/{userId}", "users:admin", user.RoleAdmin, FnIssueKeys},
	{"PATCH", "/v1/users/{userId}", "users:admin", user.RoleAdmin, FnIssueKeys},
	{"DELETE", "/v1/users/{userId}", "users:admin", user.RoleAdmin, FnIssueKeys},
}
