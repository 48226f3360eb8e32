package stack

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
)

const testAccount = "arn:aws:lambda:us-east-1:123456789012:function:"

// importedFunction stands in for a function built elsewhere; its ARN shows up
// verbatim in integration URIs.
func importedFunction(s awscdk.Stack, name string) awslambda.IFunction {
	return awslambda.Function_FromFunctionAttributes(s, jsii.String("Imported"+name), &awslambda.FunctionAttributes{
		FunctionArn:     jsii.String(testAccount + name),
		SameEnvironment: jsii.Bool(true),
	})
}

// appFunctions stands in for the functions that serve access.Routes and
// access.PublicRoutes.
func appFunctions(s awscdk.Stack) map[string]awslambda.IFunction {
	return map[string]awslambda.IFunction{
		access.FnIssueKeys:    importedFunction(s, access.FnIssueKeys),
		access.FnCertificates: importedFunction(s, access.FnCertificates),
		access.FnToken:        importedFunction(s, access.FnToken),
	}
}

func TestAPIRoutes(t *testing.T) {
	tests := []struct {
		name   string
		routes []access.Route // nil: access.Routes
		public []access.Route // nil: access.PublicRoutes
		fns    []string
	}{
		{name: "access.Routes and access.PublicRoutes", fns: []string{access.FnIssueKeys, access.FnCertificates, access.FnToken}},
		{
			name: "nested, root and several functions, no public routes",
			routes: []access.Route{
				{Method: "GET", Resource: "/", Function: "a"},
				{Method: "GET", Resource: "/x/{id}/y/{other}", Function: "a"},
				{Method: "POST", Resource: "/x", Function: "b"},
				{Method: "DELETE", Resource: "/x/{id}", Function: "b"},
				{Method: "GET", Resource: "/z", Function: "b"},
			},
			public: []access.Route{},
			fns:    []string{"a", "b"},
		},
		{
			name: "public routes sharing resources and a function with protected ones",
			routes: []access.Route{
				{Method: "GET", Resource: "/x", Function: "a"},
				{Method: "POST", Resource: "/x/{id}", Function: "b"},
			},
			public: []access.Route{
				{Method: "POST", Resource: "/x", Function: "a"},
				{Method: "GET", Resource: "/x/{id}/public", Function: "p"},
				{Method: "GET", Resource: "/.well-known/thing.json", Function: "p"},
			},
			fns: []string{"a", "b", "p"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack()
			fns := map[string]awslambda.IFunction{}
			for _, name := range tc.fns {
				fns[name] = importedFunction(s, name)
			}
			api := NewAPI(s, "Api", &APIProps{
				Authorizer: importedFunction(s, "authorizer"), Functions: fns, Routes: tc.routes, PublicRoutes: tc.public,
			})
			tpl := assertions.Template_FromStack(s, nil)
			routes, public := tc.routes, tc.public
			if routes == nil {
				routes = access.Routes
			}
			if public == nil {
				public = access.PublicRoutes
			}

			var want []string
			for _, r := range routes {
				want = append(want, r.Method+" "+r.Resource+" -> "+r.Function+" CUSTOM")
			}
			for _, r := range public {
				want = append(want, r.Method+" "+r.Resource+" -> "+r.Function+" NONE")
			}
			got := methods(t, tpl, logicalID(s, api.RestApi), logicalID(s, api.Authorizer), nil)
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("methods in the template:\n%s\nwant one per route:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// One invoke permission per function for the whole API, plus the
			// authorizer's: not two per method.
			check(t, func() {
				tpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(float64(len(tc.fns)+1)))
			})
			// Two gateway responses are customized, as the local stack does:
			// the 403 of a denied request, to show the authorizer's reason
			// and Retry-After, and the 401, to carry its WWW-Authenticate
			// challenge; API Gateway's other defaults, which the local stack
			// reproduces, are kept.
			check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::GatewayResponse"), jsii.Number(2)) })
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), map[string]any{
					"ResponseType": "UNAUTHORIZED", "StatusCode": "401",
					"ResponseParameters": map[string]any{"gatewayresponse.header.WWW-Authenticate": "'" + access.Challenge + "'"},
					"ResponseTemplates":  map[string]any{"application/json": `{"message":$context.error.messageString}`},
				})
			})
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), map[string]any{
					"ResponseType": "ACCESS_DENIED", "StatusCode": "403",
					"ResponseParameters": map[string]any{
						"gatewayresponse.header.Retry-After":      "context.authorizer.retryAfter",
						"gatewayresponse.header.RateLimit":        "context.authorizer.rateLimit",
						"gatewayresponse.header.RateLimit-Policy": "context.authorizer.rateLimitPolicy",
					},
					"ResponseTemplates": map[string]any{"application/json": `{"message":"$context.authorizer.message"}`},
				})
			})
		})
	}
}

// methods lists the template's methods as "METHOD /path -> function AUTH",
// rebuilding each path from the resources' PathPart and ParentId, where AUTH
// is CUSTOM for a method behind the authorizer and NONE for a public one
// (anything else fails the test). It checks that each method is a Lambda
// proxy.
// Functions are recognized by their imported ARN (importedFunction) or, for
// functions declared in the stack, by fnIDs (logical ID to name).
func methods(t *testing.T, tpl assertions.Template, restAPI, authorizer string, fnIDs map[string]string) []string {
	t.Helper()
	paths := map[string]string{}
	res := resources(tpl, "AWS::ApiGateway::Resource")
	var path func(ref any) string
	path = func(ref any) string {
		m, _ := ref.(map[string]any)
		if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 && ga[0] == restAPI && ga[1] == "RootResourceId" {
			return ""
		}
		id, _ := m["Ref"].(string)
		if p, ok := paths[id]; ok {
			return p
		}
		r, ok := res[id]
		if !ok {
			t.Fatalf("method or resource refers to unknown resource %v", ref)
		}
		p := path(props(r)["ParentId"]) + "/" + props(r)["PathPart"].(string)
		paths[id] = p
		return p
	}
	var out []string
	for id, m := range resources(tpl, "AWS::ApiGateway::Method") {
		p := props(m)
		auth, _ := p["AuthorizationType"].(string)
		switch {
		case auth == "CUSTOM" && jsonString(p["AuthorizerId"]) == jsonString(map[string]any{"Ref": authorizer}):
		case auth == "NONE" && p["AuthorizerId"] == nil:
		default:
			t.Errorf("method %s: AuthorizationType %v, AuthorizerId %v; want CUSTOM and the authorizer, or NONE and no authorizer",
				id, p["AuthorizationType"], p["AuthorizerId"])
		}
		integration, _ := p["Integration"].(map[string]any)
		if integration["Type"] != "AWS_PROXY" {
			t.Errorf("method %s: integration type %v, want AWS_PROXY", id, integration["Type"])
		}
		uri := jsonString(integration["Uri"])
		fn := "?"
		if i := strings.Index(uri, testAccount); i >= 0 {
			fn = uri[i+len(testAccount):]
			fn = fn[:strings.IndexAny(fn, `"/`)]
		}
		for id, name := range fnIDs {
			if strings.Contains(uri, jsonString(map[string]any{"Fn::GetAtt": []any{id, "Arn"}})) {
				fn = name
			}
		}
		resourcePath := path(p["ResourceId"])
		if resourcePath == "" {
			resourcePath = "/"
		}
		out = append(out, p["HttpMethod"].(string)+" "+resourcePath+" -> "+fn+" "+auth)
	}
	return out
}

func TestAPIAuthorizerAndStage(t *testing.T) {
	s := newStack()
	NewAPI(s, "Api", &APIProps{
		Authorizer: importedFunction(s, "authorizer"),
		Functions:  appFunctions(s),
	})
	tpl := assertions.Template_FromStack(s, nil)

	tests := []struct {
		name, typ string
		props     map[string]any
	}{
		// No identity sources and no API Gateway cache: see NewAPI.
		{"REQUEST authorizer, uncached, no identity sources", "AWS::ApiGateway::Authorizer", map[string]any{
			"Type": "REQUEST", "AuthorizerResultTtlInSeconds": 0, "IdentitySource": assertions.Match_Absent(),
		}},
		{"regional endpoint", "AWS::ApiGateway::RestApi", map[string]any{
			"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}},
		}},
		{"access log without query strings", "AWS::ApiGateway::Stage", map[string]any{
			"AccessLogSetting": map[string]any{
				"DestinationArn": assertions.Match_AnyValue(),
				"Format":         assertions.Match_StringLikeRegexp(jsii.String(`^\{.*"\$context\.resourcePath".*\}$`)),
			},
		}},
		{"throttling, error logging, no data trace", "AWS::ApiGateway::Stage", map[string]any{
			"MethodSettings": []any{map[string]any{
				"HttpMethod": "*", "ResourcePath": "/*",
				"ThrottlingRateLimit": DefaultRateLimit, "ThrottlingBurstLimit": DefaultBurstLimit,
				"LoggingLevel": "ERROR", "DataTraceEnabled": false,
			}},
		}},
		{"account log role set", "AWS::ApiGateway::Account", map[string]any{"CloudWatchRoleArn": assertions.Match_AnyValue()}},
		// The issuer URL assumes this name (DefaultIssuer).
		{"stage named StageName", "AWS::ApiGateway::Stage", map[string]any{"StageName": StageName}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, func() { tpl.HasResourceProperties(jsii.String(tc.typ), tc.props) })
		})
	}
	t.Run("access log format contains no raw path or query", func(t *testing.T) {
		for _, stage := range resources(tpl, "AWS::ApiGateway::Stage") {
			format := jsonString(props(stage)["AccessLogSetting"])
			for _, leak := range []string{"$context.path", "querystring", "$input"} {
				if strings.Contains(format, leak) {
					t.Errorf("access log format has %s: %s", leak, format)
				}
			}
		}
	})
}

func TestAPIExistingAccountLogRole(t *testing.T) {
	s := newStack()
	NewAPI(s, "Api", &APIProps{
		Authorizer:             importedFunction(s, "authorizer"),
		Functions:              appFunctions(s),
		ExistingAccountLogRole: true,
	})
	tpl := assertions.Template_FromStack(s, nil)
	check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(0)) })
	check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(0)) })
}

func TestAPIRejectsBadRoutes(t *testing.T) {
	tests := []struct {
		name           string
		routes, public []access.Route
		want           string
	}{
		{"unknown function", []access.Route{{Method: "GET", Resource: "/x", Function: "nope"}}, nil, `function "nope" is not in Functions`},
		{"relative path", []access.Route{{Method: "GET", Resource: "x", Function: "f"}}, nil, "must start with /"},
		{"trailing slash", []access.Route{{Method: "GET", Resource: "/x/", Function: "f"}}, nil, "no empty segments"},
		{"empty segment", []access.Route{{Method: "GET", Resource: "/x//y", Function: "f"}}, nil, "no empty segments"},
		{"duplicate", []access.Route{
			{Method: "GET", Resource: "/x", Function: "f"},
			{Method: "GET", Resource: "/x", Function: "f"},
		}, nil, "duplicate route"},
		{"public duplicates protected", []access.Route{{Method: "GET", Resource: "/x", Function: "f"}},
			[]access.Route{{Method: "GET", Resource: "/x", Function: "f"}}, "duplicate route"},
		{"public route of an unknown function", []access.Route{},
			[]access.Route{{Method: "GET", Resource: "/x", Function: "nope"}}, `function "nope" is not in Functions`},
		{"public route with a bad path", []access.Route{},
			[]access.Route{{Method: "GET", Resource: "/x/", Function: "f"}}, "no empty segments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack()
			msg, ok := panics(func() {
				NewAPI(s, "Api", &APIProps{
					Authorizer:   importedFunction(s, "authorizer"),
					Functions:    map[string]awslambda.IFunction{"f": importedFunction(s, "f")},
					Routes:       tc.routes,
					PublicRoutes: tc.public,
				})
			})
			if !ok || !strings.Contains(msg, tc.want) {
				t.Errorf("NewAPI: panic %v %q, want a panic containing %q", ok, msg, tc.want)
			}
		})
	}
}

func TestAPIAuthorizerCache(t *testing.T) {
	mtls := &MutualTLSProps{DomainName: testDomain, CertificateArn: testCertArn, TruststoreURI: testTruststore}
	tests := []struct {
		name    string
		sources []string
		ttl     time.Duration
		mtls    *MutualTLSProps
		want    map[string]any // authorizer properties; nil: NewAPI panics with wantErr
		wantErr string
	}{
		{name: "defaults: none and 0", want: map[string]any{"AuthorizerResultTtlInSeconds": 0, "IdentitySource": assertions.Match_Absent()}},
		{name: "identity sources without a cache", sources: []string{"method.request.header.Authorization"},
			want: map[string]any{"AuthorizerResultTtlInSeconds": 0, "IdentitySource": "method.request.header.Authorization"}},
		{name: "cached on the Authorization header", sources: []string{"method.request.header.Authorization"}, ttl: 10 * time.Second,
			want: map[string]any{"AuthorizerResultTtlInSeconds": 10, "IdentitySource": "method.request.header.Authorization"}},
		{name: "mutual TLS, cached on the token and the certificate", ttl: 10 * time.Second, mtls: mtls,
			sources: []string{"method.request.header.Authorization", "context.identity.clientCert.clientCertPem"},
			want: map[string]any{"AuthorizerResultTtlInSeconds": 10,
				"IdentitySource": "method.request.header.Authorization,context.identity.clientCert.clientCertPem"}},
		{name: "cache without identity sources", ttl: 10 * time.Second, wantErr: "needs identity sources"},
		{name: "malformed identity source", sources: []string{"header.Authorization"}, wantErr: "must be method.request.header"},
		{name: "mutual TLS, cached on the token alone", ttl: 10 * time.Second, mtls: mtls,
			sources: []string{"method.request.header.Authorization"}, wantErr: "needs a context.identity.clientCert identity source"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack()
			props := &APIProps{
				Authorizer: importedFunction(s, "authorizer"), Functions: appFunctions(s),
				AuthorizerIdentitySources: tc.sources, AuthorizerCacheTTL: tc.ttl, MutualTLS: tc.mtls,
			}
			if tc.want == nil {
				msg, ok := panics(func() { NewAPI(s, "Api", props) })
				if !ok || !strings.Contains(msg, tc.wantErr) {
					t.Errorf("NewAPI: panic %v %q, want a panic containing %q", ok, msg, tc.wantErr)
				}
				return
			}
			NewAPI(s, "Api", props)
			tpl := assertions.Template_FromStack(s, nil)
			want := map[string]any{"Type": "REQUEST"}
			for k, v := range tc.want {
				want[k] = v
			}
			check(t, func() { tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), want) })
		})
	}
}

func TestAPIName(t *testing.T) {
	s := newStack()
	NewAPI(s, "Api", &APIProps{Authorizer: importedFunction(s, "authorizer"), Functions: appFunctions(s)})
	tpl := assertions.Template_FromStack(s, nil)
	// API Gateway's metrics are keyed by API name: one per stack.
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{"Name": "Test-Api"})
	})
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{"StageName": StageName})
	})
}
