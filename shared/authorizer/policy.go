package authorizer

import (
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
)

// Statement effects.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// Policy builds the IAM policy for allowed ARNs, with an explicit Deny of
// denied (the request's own method ARN) when it is not "".
func Policy(allowed []string, denied string) events.APIGatewayCustomAuthorizerPolicy {
	p := events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17"}
	if len(allowed) > 0 {
		p.Statement = append(p.Statement, events.IAMPolicyStatement{
			Action: []string{"execute-api:Invoke"}, Effect: Allow, Resource: allowed,
		})
	}
	if denied != "" {
		p.Statement = append(p.Statement, events.IAMPolicyStatement{
			Action: []string{"execute-api:Invoke"}, Effect: Deny, Resource: []string{denied},
		})
	}
	return p
}

// allowed lists the routes p may call under prefix. The list depends only
// on the prefix, the effective scopes and the admin role, which many
// credentials share, so it is computed once per combination (the slice is
// shared read-only by every response built from it).
func (a *Authorizer) allowed(prefix string, p access.Principal) []string {
	k := prefix + "\x00" + p.Scopes.String()
	if p.Admin {
		k += "\x00admin"
	}
	if list, ok := a.policies.get(k, time.Time{}); ok {
		return list
	}
	list := a.opt.Routes.Allowed(prefix, p)
	a.policies.put(k, list, time.Time{}, policyForever)
	return list
}

// policyForever: route lists never go stale (the table is fixed at start).
var policyForever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
