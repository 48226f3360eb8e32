package access

import (
	"slices"
	"testing"

	"github.com/tollgate/tollgate/shared/scope"
)

func TestARNPrefix(t *testing.T) {
	cases := []struct {
		arn, want string
		ok        bool
	}{
		{"arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/v1/keys", "arn:aws:execute-api:us-east-1:123456789012:abc/prod", true},
		{"arn:aws-cn:execute-api:cn-north-1:1:abc/prod/GET/", "arn:aws-cn:execute-api:cn-north-1:1:abc/prod", true},
		{"arn:aws:execute-api:us-east-1:1:abc", "", false},
		{"arn:aws:execute-api:us-east-1:1:abc//GET/x", "", false},
		{"arn:aws:lambda:us-east-1:1:function/x/y", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, ok := ARNPrefix(c.arn)
		if got != c.want || ok != c.ok {
			t.Errorf("ARNPrefix(%q) = %q, %v", c.arn, got, ok)
		}
	}
}

func TestRouteARN(t *testing.T) {
	got := RouteARN("p/s", Route{Method: "POST", Resource: "/v1/keys/{keyId}/rotate"})
	if got != "p/s/POST/v1/keys/*/rotate" {
		t.Fatal(got)
	}
}

func TestPermits(t *testing.T) {
	users := Route{"GET", "/v1/users", "users:admin", "admin", FnIssueKeys}
	whoami := Route{"GET", "/v1/whoami", "", "", FnIssueKeys}
	cases := []struct {
		name string
		r    Route
		p    Principal
		want bool
	}{
		{"no scope needed", whoami, Principal{Scopes: scope.Set{}}, true},
		{"admin with every scope", users, Principal{Scopes: scope.Set{scope.All}, Admin: true}, true},
		{"scope without the role", users, Principal{Scopes: scope.Set{"users:admin"}}, false},
		{"role without the scope", users, Principal{Scopes: scope.Set{"credentials:read"}, Admin: true}, false},
	}
	for _, c := range cases {
		if got := c.r.Permits(c.p); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

func TestRouteTableIsConsistent(t *testing.T) {
	tab := NewTable(Routes)
	for _, r := range Routes {
		if got, ok := tab.Lookup(r.Method, r.Resource); !ok || got != r {
			t.Errorf("duplicate or lost route %s %s", r.Method, r.Resource)
		}
		if r.Scope != "" {
			if _, err := scope.Parse([]string{r.Scope}); err != nil {
				t.Errorf("route %s %s: %v", r.Method, r.Resource, err)
			}
		}
	}
}

// TestOverMatched: "*" in an allowed ARN matches any run of characters,
// "/" included, so a deeper route the principal may not call is denied;
// one it may call, or one no allowed ARN reaches, is not.
func TestOverMatched(t *testing.T) {
	route := func(method, resource, scope string) Route {
		return Route{Method: method, Resource: resource, Scope: scope, Function: FnIssueKeys}
	}
	reader := Principal{Scopes: scope.Set{"a:read"}}
	tests := map[string]struct {
		routes []Route
		p      Principal
		want   []string
	}{
		"Tollgate's users admin without certificates": {Routes,
			Principal{Scopes: scope.Set{"credentials:read", "users:admin"}, Admin: true},
			[]string{"p/s/GET/v1/users/*/certificate", "p/s/DELETE/v1/users/*/certificate"}},
		"two levels deeper": {[]Route{route("GET", "/a/{x}", "a:read"), route("GET", "/a/{x}/b/{y}/c", "a:admin")},
			reader, []string{"p/s/GET/a/*/b/*/c"}},
		"deeper, same scope": {[]Route{route("GET", "/a/{x}", "a:read"), route("GET", "/a/{x}/b", "a:read")}, reader, nil},
		"another method":     {[]Route{route("GET", "/a/{x}", "a:read"), route("POST", "/a/{x}/b", "a:admin")}, reader, nil},
		"no wildcard":        {[]Route{route("GET", "/a", "a:read"), route("GET", "/a/b", "a:admin")}, reader, nil},
		"wildcard mid-path": {[]Route{route("GET", "/a/{x}/c", "a:read"), route("GET", "/a/{x}/b/c", "a:admin"),
			route("GET", "/a/{x}/c/d", "a:admin")}, reader, []string{"p/s/GET/a/*/b/c"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := NewTable(tc.routes).OverMatched("p/s", tc.p); !slices.Equal(got, tc.want) {
				t.Errorf("OverMatched = %q, want %q", got, tc.want)
			}
		})
	}
}
