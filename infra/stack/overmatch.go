package stack

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
)

// OverMatch is a pair of routes where the policy ARN of Wide (its path
// parameters as "*") also matches Deep, a route of the same method that
// needs a scope or role Wide does not. In an execute-api ARN "*" also
// matches "/", so a policy that lists Wide (issued to a principal who may
// call Wide but not Deep) allows Deep too. The authorizer adds an explicit
// Deny of the request's own ARN when it refuses a route, which is what
// keeps Deep refused; a policy API Gateway cached for another route has no
// such Deny.
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

// warnOverMatches adds a synth warning to scope, naming each OverMatch of
// the authorizer's route table (access.Routes), when API Gateway caches the
// authorizer's policies.
func warnOverMatches(scope constructs.Construct, cached bool) {
	if !cached {
		return
	}
	for _, o := range OverMatches(access.Routes) {
		awscdk.Annotations_Of(scope).AddWarningV2(jsii.String("tollgate:authorizer-cache-overmatch"), jsii.String(
			"authorizer cache: the policy ARN of "+o.String()+", which needs "+requirement(o.Deep)+
				"; a policy cached for the first route lets a caller without that call the second until the TTL ends"))
	}
}

// requirement names what r needs beyond a valid credential.
func requirement(r access.Route) string {
	if r.Role != "" {
		return fmt.Sprintf("scope %q and role %q", r.Scope, r.Role)
	}
	return fmt.Sprintf("scope %q", r.Scope)
}
