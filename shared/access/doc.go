// Package authz holds the route table, the one place that says which scope
// (and role) each protected route needs, and turns a principal's effective
// scopes into an API Gateway policy. A route missing from the table is never
// allowed, and the policy lists every route the principal may call, so a
// cached policy is safe for any route.
package access
