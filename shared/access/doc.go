// Package access says who may call what: the route table, the one place
// that names the scope (and role) each protected route needs, and the
// Principal a valid credential authenticates. A route missing from the
// table is never allowed, Allowed lists every route a principal may call
// and OverMatched the routes it may not call that those ARNs' "*" also
// matches, so a policy allowing the one and denying the other is safe to
// cache for any route. It links no Lambda types, so the CDK app builds its
// API from the same table.
package access
