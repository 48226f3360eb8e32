package authorizer

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/scope"
)

const testPrefix = "arn:aws:execute-api:us-east-1:123456789012:abc/prod"

// iamEffect evaluates doc for methodARN as IAM does, independently of the
// code under test: "*" in a resource is any run of characters, "/"
// included, and an explicit Deny wins over any Allow.
func iamEffect(doc events.APIGatewayCustomAuthorizerPolicy, methodARN string) string {
	out := "none"
	for _, st := range doc.Statement {
		for _, r := range st.Resource {
			pattern := "^" + strings.ReplaceAll(regexp.QuoteMeta(r), `\*`, ".*") + "$"
			if !regexp.MustCompile(pattern).MatchString(methodARN) {
				continue
			}
			if st.Effect == Deny {
				return Deny
			}
			out = Allow
		}
	}
	return out
}

// scopes is the normalized set of s.
func scopes(s ...string) scope.Set {
	set, err := scope.Parse(s)
	if err != nil {
		panic(err)
	}
	return set
}

// sampleARNs are method ARNs of requests to r, its path parameters set to
// values API Gateway may route there.
func sampleARNs(r access.Route) []string {
	var out []string
	for _, v := range []string{"x", "usr_01J9Z", "certificate"} {
		segs := strings.Split(r.Resource, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, "{") {
				segs[i] = v
			}
		}
		out = append(out, testPrefix+"/"+r.Method+strings.Join(segs, "/"))
	}
	return out
}

// TestCachedPolicyAllowsNoOverMatch: the policy the authorizer gives a
// principal, reused (as API Gateway's cache does) for a request to any
// route of the table, allows exactly the routes the principal may call:
// "*" matching "/" in an allowed ARN opens no other route.
func TestCachedPolicyAllowsNoOverMatch(t *testing.T) {
	a := New(nil, Options{Routes: access.NewTable(access.Routes)})
	principals := []struct {
		name string
		p    access.Principal
	}{
		{"no scopes", access.Principal{Scopes: scope.Set{}}},
		{"credentials reader", access.Principal{Scopes: scopes("credentials:read")}},
		{"users admin without certificates", access.Principal{Scopes: scopes("users:admin", "credentials:read"), Admin: true}},
		{"users admin reading certificates", access.Principal{Scopes: scopes("users:admin", "certificates:read"), Admin: true}},
		{"users admin writing certificates", access.Principal{Scopes: scopes("users:admin", "certificates:write"), Admin: true}},
		{"certificates without the admin role", access.Principal{Scopes: scopes("users:admin", "certificates:read")}},
		{"admin with every scope", access.Principal{Scopes: scope.Set{scope.All}, Admin: true}},
	}
	for _, pc := range principals {
		t.Run(pc.name, func(t *testing.T) {
			doc := response(pc.p, a.routes(testPrefix, pc.p), "").PolicyDocument
			for _, r := range access.Routes {
				want := "none"
				if r.Permits(pc.p) {
					want = Allow
				}
				for _, arn := range sampleARNs(r) {
					got := iamEffect(doc, arn)
					if got == Deny {
						got = "none"
					}
					if got != want {
						t.Errorf("%s: %s, want %s (policy %+v)", arn, got, want, doc)
					}
				}
			}
		})
	}
}
