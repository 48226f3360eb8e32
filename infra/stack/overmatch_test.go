package stack

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
)

func TestOverMatches(t *testing.T) {
	route := func(method, resource, scope, role string) access.Route {
		return access.Route{Method: method, Resource: resource, Scope: scope, Role: role, Function: "f"}
	}
	tests := []struct {
		name   string
		routes []access.Route
		want   []string
	}{
		{"a deeper route needing another scope", []access.Route{
			route("GET", "/v1/keys/{keyId}", "keys:read", ""), route("GET", "/v1/keys/{keyId}/usage", "usage:read", ""),
		}, []string{"GET /v1/keys/{keyId} also matches GET /v1/keys/{keyId}/usage"}},
		{"a deeper route needing the admin role", []access.Route{
			route("GET", "/v1/things/{id}", "things:read", ""), route("GET", "/v1/things/{id}/secret", "things:read", "admin"),
		}, []string{"GET /v1/things/{id} also matches GET /v1/things/{id}/secret"}},
		{"same scope: nothing more allowed", []access.Route{
			route("GET", "/v1/keys/{keyId}", "keys:read", ""), route("GET", "/v1/keys/{keyId}/usage", "keys:read", ""),
		}, nil},
		{"another method", []access.Route{
			route("GET", "/v1/keys/{keyId}", "keys:read", ""), route("POST", "/v1/keys/{keyId}/rotate", "keys:write", ""),
		}, nil},
		{"no parameter, no wildcard", []access.Route{
			route("GET", "/v1/sas", "sas:read", ""), route("GET", "/v1/sas/token", "sas:write", ""),
		}, nil},
		// Pinned: what Tollgate's own table over-matches today. A change
		// here means a route pair to review before enabling the cache.
		{"Tollgate's route table", access.Routes, []string{
			"GET /v1/users/{userId} also matches GET /v1/users/{userId}/certificate",
			"DELETE /v1/users/{userId} also matches DELETE /v1/users/{userId}/certificate",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, o := range OverMatches(tc.routes) {
				got = append(got, o.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("OverMatches\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestOverMatchesDenied: for each OverMatch pair of the authorizer's route
// table, a principal holding exactly what Wide needs gets a policy that
// denies Deep (access.Table.OverMatched), so API Gateway's cache may reuse
// it; and synthesis no longer warns of the pairs when the cache is on.
func TestOverMatchesDenied(t *testing.T) {
	tab := access.NewTable(access.Routes)
	for _, o := range OverMatches(access.Routes) {
		p := access.Principal{Admin: o.Wide.Role != ""}
		if o.Wide.Scope != "" {
			p.Scopes = []string{o.Wide.Scope}
		}
		if !o.Wide.Permits(p) || o.Deep.Permits(p) {
			t.Fatalf("%v: principal %+v", o, p)
		}
		if deep := access.RouteARN("p/s", o.Deep); !slices.Contains(tab.OverMatched("p/s", p), deep) {
			t.Errorf("%v: %s not denied", o, deep)
		}
	}
	s, _, _ := foreignAPI(t, func(awscdk.Stack) *TollgateAuthorizerProps {
		return &TollgateAuthorizerProps{AuthorizerFunctionArn: foreignAuthorizerArn, ResultsCacheTtl: time.Minute,
			IdentitySources: []string{"method.request.header.Authorization"}}
	})
	found := assertions.Annotations_FromStack(s).FindWarning(jsii.String("*"),
		assertions.Match_StringLikeRegexp(jsii.String("authorizer cache: the policy ARN of .* also matches")))
	if len(*found) != 0 {
		t.Errorf("%d over-match warnings, want none", len(*found))
	}
}

// OverMatch is a pair of routes where the policy ARN of Wide (its path
// parameters as "*") also matches Deep, a route of the same method that
// needs a scope or role Wide does not. In an execute-api ARN "*" also
// matches "/", so a policy that lists Wide (issued to a principal who may
// call Wide but not Deep) allows Deep too unless it denies Deep, which
// access.Table.OverMatched is for. Found here with regular expressions, it
// is the oracle that function is checked against.
type OverMatch struct{ Wide, Deep access.Route }

func (o OverMatch) String() string {
	return fmt.Sprintf("%s %s also matches %s %s", o.Wide.Method, o.Wide.Resource, o.Deep.Method, o.Deep.Resource)
}

// OverMatches lists the OverMatch pairs of routes, in table order.
func OverMatches(routes []access.Route) []OverMatch {
	var out []OverMatch
	for _, wide := range routes {
		pattern := arnPattern(access.RouteARN("", wide))
		for _, deep := range routes {
			if deep == wide || !pattern.MatchString(samplePath(deep)) {
				continue
			}
			if (deep.Scope != "" && deep.Scope != wide.Scope) || (deep.Role != "" && deep.Role != wide.Role) {
				out = append(out, OverMatch{Wide: wide, Deep: deep})
			}
		}
	}
	return out
}

// arnPattern compiles a policy ARN as API Gateway matches it: "*" is any
// run of characters, "/" included.
func arnPattern(arn string) *regexp.Regexp {
	return regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(arn), `\*`, ".*") + "$")
}

// samplePath is r's method ARN suffix for a request with every path
// parameter set to "x".
func samplePath(r access.Route) string {
	segs := strings.Split(r.Resource, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "x"
		}
	}
	return "/" + r.Method + strings.Join(segs, "/")
}
