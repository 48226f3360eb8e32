// Package access says who may call what: the route table, the one place
// that names the scope (and role) each protected route needs, and the
// Principal a valid credential authenticates. A route missing from the
// table is never allowed, and Allowed lists every route a principal may
// call, so a policy built from it is safe to cache for any route. It links
// no Lambda types, so the CDK app builds its API from the same table.
package access
