package access

import (
	"strings"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/user"
)

// Principal is what a valid credential authenticates, after the owner's
// current state has been applied.
type Principal struct {
	ProjectID      string
	ID             string          // principalId: the owning user (or client)
	CredentialType credential.Type // api_key, jwt, access_token, sas or certificate
	CredentialID   string          // the credential's public id
	Scopes         scope.Set       // effective scopes
	Admin          bool            // the owner holds the admin role
}

// Permits reports whether p may call r.
func (r Route) Permits(p Principal) bool {
	if r.Role == user.RoleAdmin && !p.Admin {
		return false
	}
	return r.Scope == "" || p.Scopes.Has(r.Scope)
}

// Table indexes routes by method and resource.
type Table struct {
	routes []Route
	index  map[routeKey]Route
}

type routeKey struct{ method, resource string }

// NewTable indexes routes.
func NewTable(routes []Route) *Table {
	t := &Table{routes: routes, index: make(map[routeKey]Route, len(routes))}
	for _, r := range routes {
		t.index[routeKey{r.Method, r.Resource}] = r
	}
	return t
}

// Lookup finds the route for an API Gateway method and resource template.
func (t *Table) Lookup(method, resource string) (Route, bool) {
	r, ok := t.index[routeKey{method, resource}]
	return r, ok
}

// Allowed lists the execute-api ARNs of every route p may call, under
// arnPrefix ("arn:aws:execute-api:region:account:api/stage").
func (t *Table) Allowed(arnPrefix string, p Principal) []string {
	var out []string
	for _, r := range t.routes {
		if r.Permits(p) {
			out = append(out, RouteARN(arnPrefix, r))
		}
	}
	return out
}

// OverMatched lists the execute-api ARNs, under arnPrefix, of the routes p
// may not call that an ARN of Allowed also matches: in an execute-api ARN
// "*" matches "/" too, so "GET/v1/users/*" covers
// "GET/v1/users/{userId}/certificate". Listed in an explicit Deny (which
// IAM applies over any Allow), they keep a policy built from Allowed to
// the routes p may call, whichever route API Gateway reuses it for. Should
// such an ARN also match a route p may call, that route is refused too:
// the policy fails closed (Tollgate's own table has no such pair).
func (t *Table) OverMatched(arnPrefix string, p Principal) []string {
	var out []string
	for _, deep := range t.routes {
		if deep.Permits(p) {
			continue
		}
		sample := samplePath(deep)
		for _, wide := range t.routes {
			if wide.Permits(p) && wildcardMatch(RouteARN("", wide), sample) {
				out = append(out, RouteARN(arnPrefix, deep))
				break
			}
		}
	}
	return out
}

// samplePath is the method ARN of a request to r under the prefix "", its
// path parameters set to "x".
func samplePath(r Route) string {
	return strings.ReplaceAll(RouteARN("", r), "*", "x")
}

// wildcardMatch reports whether s matches pattern, where each '*' matches
// any run of characters, '/' included, as in an IAM resource. It never
// recurses: on a mismatch it resumes after the last '*', one byte further.
func wildcardMatch(pattern, s string) bool {
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			p++
			star, mark = p, i
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			mark++
			p, i = star, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// RouteARN is the execute-api ARN pattern of r: path parameters become "*".
func RouteARN(arnPrefix string, r Route) string {
	segs := strings.Split(strings.TrimPrefix(r.Resource, "/"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "*"
		}
	}
	return arnPrefix + "/" + r.Method + "/" + strings.Join(segs, "/")
}

// ARNPrefix returns "arn:aws:execute-api:region:account:api/stage" from a
// method ARN, or false if methodARN is not an execute-api method ARN.
func ARNPrefix(methodARN string) (string, bool) {
	if !strings.HasPrefix(methodARN, "arn:") || !strings.Contains(methodARN, ":execute-api:") {
		return "", false
	}
	first := strings.IndexByte(methodARN, '/')
	if first < 0 {
		return "", false
	}
	second := strings.IndexByte(methodARN[first+1:], '/')
	if second <= 0 {
		return "", false
	}
	return methodARN[:first+1+second], true
}
