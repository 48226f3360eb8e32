package authorizer

import "github.com/aws/aws-lambda-go/events"

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
