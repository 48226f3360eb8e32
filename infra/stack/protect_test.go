package stack

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
)

const foreignAuthorizerArn = "arn:aws:lambda:us-east-1:123456789012:function:Tollgate-Authorizer"

// foreignAPI is another team's RestApi, in an otherwise empty stack, with
// GET /orders/{orderId} behind the authorizer props build.
func foreignAPI(t *testing.T, props func(s awscdk.Stack) *TollgateAuthorizerProps) (awscdk.Stack, awsapigateway.RequestAuthorizer, assertions.Template) {
	t.Helper()
	s := newStack()
	api := awsapigateway.NewRestApi(s, jsii.String("Orders"), &awsapigateway.RestApiProps{})
	auth := NewTollgateAuthorizer(s, "TollgateAuth", props(s))
	api.Root().AddResource(jsii.String("orders"), nil).AddResource(jsii.String("{orderId}"), nil).
		AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), &awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
			Authorizer:        auth,
		})
	return s, auth, assertions.Template_FromStack(s, nil)
}

func TestTollgateAuthorizer(t *testing.T) {
	tests := []struct {
		name      string
		props     func(s awscdk.Stack) *TollgateAuthorizerProps
		wantFnArn string // in the authorizer URI and the invoke permission
		wantAuth  map[string]any
	}{
		{
			name: "by ARN, defaults: no cache, no identity sources",
			props: func(awscdk.Stack) *TollgateAuthorizerProps {
				return &TollgateAuthorizerProps{AuthorizerFunctionArn: foreignAuthorizerArn}
			},
			wantFnArn: foreignAuthorizerArn,
			wantAuth: map[string]any{
				"Type": "REQUEST", "AuthorizerResultTtlInSeconds": 0, "IdentitySource": assertions.Match_Absent(),
			},
		},
		{
			name: "by function, cached on the Authorization header",
			props: func(s awscdk.Stack) *TollgateAuthorizerProps {
				return &TollgateAuthorizerProps{
					AuthorizerFunction: importedFunction(s, "authorizer"),
					ResultsCacheTtl:    30 * time.Second,
					IdentitySources:    []string{"method.request.header.Authorization"},
					AuthorizerName:     "tollgate",
				}
			},
			wantFnArn: testAccount + "authorizer",
			wantAuth: map[string]any{
				"Type": "REQUEST", "AuthorizerResultTtlInSeconds": 30, "Name": "tollgate",
				"IdentitySource": "method.request.header.Authorization",
			},
		},
		{
			// With mutual TLS, caching is allowed: the certificate is in the
			// cache key.
			name: "two identity sources, mutual TLS",
			props: func(awscdk.Stack) *TollgateAuthorizerProps {
				return &TollgateAuthorizerProps{
					AuthorizerFunctionArn: foreignAuthorizerArn,
					MutualTLS:             true,
					ResultsCacheTtl:       time.Minute,
					IdentitySources:       []string{"method.request.header.x-api-key", "context.identity.clientCert.clientCertPem"},
				}
			},
			wantFnArn: foreignAuthorizerArn,
			wantAuth: map[string]any{
				"AuthorizerResultTtlInSeconds": 60,
				"IdentitySource":               "method.request.header.x-api-key,context.identity.clientCert.clientCertPem",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, auth, tpl := foreignAPI(t, tc.props)
			check(t, func() { tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), tc.wantAuth) })
			for id, a := range resources(tpl, "AWS::ApiGateway::Authorizer") {
				if uri := jsonString(props(a)["AuthorizerUri"]); !strings.Contains(uri, "/functions/"+tc.wantFnArn+"/invocations") {
					t.Errorf("authorizer %s: URI %s does not invoke %v", id, uri, tc.wantFnArn)
				}
			}
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
					"HttpMethod": "GET", "AuthorizationType": "CUSTOM",
					"AuthorizerId": map[string]any{"Ref": logicalID(s, auth)},
				})
			})
			// API Gateway may invoke the function for this authorizer only:
			// the permission is declared in this stack.
			perms := resources(tpl, "AWS::Lambda::Permission")
			if len(perms) != 1 {
				t.Errorf("%d Lambda permissions, want 1", len(perms))
			}
			for id, perm := range perms {
				p := props(perm)
				source := jsonString(p["SourceArn"])
				if p["Action"] != "lambda:InvokeFunction" || p["FunctionName"] != tc.wantFnArn || p["Principal"] != "apigateway.amazonaws.com" ||
					!strings.Contains(source, `"/authorizers/",{"Ref":"`+logicalID(s, auth)+`"}`) {
					t.Errorf("permission %s: %s, want API Gateway invoking %s for this authorizer only", id, jsonString(p), tc.wantFnArn)
				}
			}
			check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(0)) })
		})
	}
}

func TestTollgateAuthorizerRejectsBadProps(t *testing.T) {
	tests := []struct {
		name  string
		props TollgateAuthorizerProps // AuthorizerFunctionArn defaults to foreignAuthorizerArn
		fn    bool                    // also set AuthorizerFunction
		want  string
	}{
		{"function and ARN", TollgateAuthorizerProps{}, true, "exactly one of"},
		{"not an ARN", TollgateAuthorizerProps{AuthorizerFunctionArn: "Tollgate-Authorizer"}, false, "not a Lambda function ARN"},
		{"TTL without identity sources", TollgateAuthorizerProps{ResultsCacheTtl: time.Minute}, false, "needs identity sources"},
		{"TTL over an hour", TollgateAuthorizerProps{ResultsCacheTtl: 2 * time.Hour, IdentitySources: []string{"method.request.header.Authorization"}}, false, "whole seconds from 0 to 1h0m0s"},
		{"fractional TTL", TollgateAuthorizerProps{ResultsCacheTtl: 1500 * time.Millisecond, IdentitySources: []string{"method.request.header.Authorization"}}, false, "whole seconds"},
		{"negative TTL", TollgateAuthorizerProps{ResultsCacheTtl: -time.Second}, false, "whole seconds"},
		{"bare header name", TollgateAuthorizerProps{IdentitySources: []string{"Authorization"}}, false, "must be method.request.header"},
		{"$-prefixed", TollgateAuthorizerProps{IdentitySources: []string{"$request.header.Authorization"}}, false, "must be method.request.header"},
		{"comma-joined", TollgateAuthorizerProps{IdentitySources: []string{"method.request.header.a,method.request.header.b"}}, false, "must be method.request.header"},
		{"duplicate", TollgateAuthorizerProps{IdentitySources: []string{"method.request.header.a", "method.request.header.a"}}, false, "listed twice"},
		{"mutual TLS, cached on the token alone", TollgateAuthorizerProps{MutualTLS: true, ResultsCacheTtl: time.Minute,
			IdentitySources: []string{"method.request.header.Authorization"}}, false, "needs a context.identity.clientCert identity source"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack()
			p := tc.props
			if p.AuthorizerFunctionArn == "" {
				p.AuthorizerFunctionArn = foreignAuthorizerArn
			}
			if tc.fn {
				p.AuthorizerFunction = importedFunction(s, "authorizer")
			}
			msg, ok := panics(func() { NewTollgateAuthorizer(s, "TollgateAuth", &p) })
			if !ok || !strings.Contains(msg, tc.want) {
				t.Errorf("NewTollgateAuthorizer: panic %v %q, want a panic containing %q", ok, msg, tc.want)
			}
		})
	}
}

// TestForeignRoutes shows the contract another API relies on: its routes
// live in Tollgate's route table under a function name of its own, the
// policy names them under the calling API's ARN prefix, and Tollgate's own
// API does not declare them.
func TestForeignRoutes(t *testing.T) {
	orders := access.Route{Method: "GET", Resource: "/orders/{orderId}", Scope: "orders:read", Function: "orders"}
	table := append(append([]access.Route{}, access.Routes...), orders)

	const methodArn = "arn:aws:execute-api:us-east-1:123456789012:ordersapi/prod/GET/orders/o-1"
	prefix, ok := access.ARNPrefix(methodArn)
	if !ok || prefix != "arn:aws:execute-api:us-east-1:123456789012:ordersapi/prod" {
		t.Fatalf("ARNPrefix(%s) = %q %v", methodArn, prefix, ok)
	}
	if got, want := access.RouteARN(prefix, orders), prefix+"/GET/orders/*"; got != want {
		t.Errorf("RouteARN = %s, want %s", got, want)
	}
	if _, ok := access.NewTable(table).Lookup("GET", "/orders/{orderId}"); !ok {
		t.Error("the authorizer would not find the foreign route")
	}

	fns := map[string]awslambda.IFunction{access.FnIssueKeys: nil, access.FnToken: nil}
	s := newStack()
	fns[access.FnIssueKeys] = importedFunction(s, access.FnIssueKeys)
	fns[access.FnCertificates] = importedFunction(s, access.FnCertificates)
	fns[access.FnToken] = importedFunction(s, access.FnToken)
	served := ServedRoutes(table, fns)
	if len(served) != len(access.Routes) {
		t.Errorf("ServedRoutes kept %d routes, want Tollgate's %d", len(served), len(access.Routes))
	}
	for _, r := range served {
		if r.Function == "orders" {
			t.Errorf("ServedRoutes kept %v", r)
		}
	}
	// NewAPI itself still refuses a route of an unknown function
	// (TestAPIRejectsBadRoutes): only NewTollgate filters.
}
