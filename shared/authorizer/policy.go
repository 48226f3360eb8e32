package authorizer

import (
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
)

// Statement effects.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// routeList is what a policy names: the route ARNs a principal may call,
// and those of the routes it may not call that an allowed ARN's "*" also
// matches (access.Table.OverMatched).
type routeList struct {
	allowed, overMatched []string
}

// Policy builds the IAM policy allowing allowed, with an explicit Deny of
// denied and of refused (the request's own method ARN) when it is not "".
func Policy(allowed, denied []string, refused string) events.APIGatewayCustomAuthorizerPolicy {
	p := events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17"}
	if len(allowed) > 0 {
		p.Statement = append(p.Statement, events.IAMPolicyStatement{
			Action: []string{"execute-api:Invoke"}, Effect: Allow, Resource: allowed,
		})
	}
	if refused != "" {
		denied = append(slices.Clip(denied), refused) // a copy: denied is shared
	}
	if len(denied) > 0 {
		p.Statement = append(p.Statement, events.IAMPolicyStatement{
			Action: []string{"execute-api:Invoke"}, Effect: Deny, Resource: denied,
		})
	}
	return p
}

// routes lists the routes p may call under prefix, and the over-matched
// ones to deny. The lists depend only on the prefix, the effective scopes
// and the admin role, which many credentials share, so they are computed
// once per combination (the slices are shared read-only by every response
// built from them).
func (a *Authorizer) routes(prefix string, p access.Principal) routeList {
	k := prefix + "\x00" + p.Scopes.String()
	if p.Admin {
		k += "\x00admin"
	}
	if list, ok := a.policies.get(k, time.Time{}); ok {
		return list
	}
	list := routeList{a.opt.Routes.Allowed(prefix, p), a.opt.Routes.OverMatched(prefix, p)}
	a.policies.put(k, list, time.Time{}, policyForever)
	return list
}

// policyForever: route lists never go stale (the table is fixed at start).
var policyForever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
