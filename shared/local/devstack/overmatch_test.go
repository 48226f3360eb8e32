package devstack

import (
	"slices"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/scope"
)

// TestPolicyAllowsNoOverMatch evaluates the policy the authorizer builds
// for each principal Tollgate's route table tells apart (every subset of
// its scopes, with and without the admin role) against a request to every
// route, as API Gateway's cache would reuse it: the emulated IAM allows
// exactly the routes the principal may call, though "*" in an allowed ARN
// also matches "/".
func TestPolicyAllowsNoOverMatch(t *testing.T) {
	const prefix = "arn:aws:execute-api:us-east-1:123456789012:api/local"
	tab := access.NewTable(access.Routes)
	var all []string
	for _, r := range access.Routes {
		if r.Scope != "" && !slices.Contains(all, r.Scope) {
			all = append(all, r.Scope)
		}
	}
	for mask := 0; mask < 1<<len(all); mask++ {
		var held []string
		for i, s := range all {
			if mask&(1<<i) != 0 {
				held = append(held, s)
			}
		}
		set, err := scope.Parse(held)
		if err != nil {
			t.Fatal(err)
		}
		for _, admin := range []bool{false, true} {
			p := access.Principal{Scopes: set, Admin: admin}
			doc := authorizer.Policy(tab.Allowed(prefix, p), tab.OverMatched(prefix, p), "")
			for _, r := range access.Routes {
				arn := strings.ReplaceAll(access.RouteARN(prefix, r), "*", "usr_01J9Z")
				d, err := evaluate(doc, arn)
				if err != nil {
					t.Fatal(err)
				}
				if (d == allowed) != r.Permits(p) {
					t.Errorf("scopes %v admin %v: %s evaluates to %v", held, admin, arn, d)
				}
			}
		}
	}
}
