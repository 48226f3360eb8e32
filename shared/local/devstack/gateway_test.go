package devstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/tollgate/tollgate/shared/access"
)

const arnPrefix = "arn:aws:execute-api:us-east-1:123456789012:local/local"

// capture records what the fakes were called with. ServeHTTP waits for
// each call, so reading it after ServeHTTP returns is race-free.
type capture struct {
	authCalls, fnCalls int
	authEvent          events.APIGatewayCustomAuthorizerRequestTypeRequest
	proxyEvent         events.APIGatewayProxyRequest
	fnCtx              context.Context
}

// policy returns an authorizer answer with one statement per effect/resource pair.
func policy(principal string, pairs ...string) events.APIGatewayCustomAuthorizerResponse {
	resp := events.APIGatewayCustomAuthorizerResponse{PrincipalID: principal}
	resp.PolicyDocument.Version = "2012-10-17"
	for i := 0; i+1 < len(pairs); i += 2 {
		resp.PolicyDocument.Statement = append(resp.PolicyDocument.Statement, events.IAMPolicyStatement{
			Action: []string{"execute-api:Invoke"}, Effect: pairs[i], Resource: []string{pairs[i+1]},
		})
	}
	return resp
}

func allowAll(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	return policy("user-1", "Allow", arnPrefix+"/*"), nil
}

func (c *capture) authorizer(a Authorizer) Authorizer {
	return func(ctx context.Context, ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		c.authCalls++
		c.authEvent = ev
		return a(ctx, ev)
	}
}

func (c *capture) handler(h Handler) Handler {
	return func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		c.fnCalls++
		c.proxyEvent = ev
		c.fnCtx = ctx
		return h(ctx, ev)
	}
}

func ok(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"ok":true}`}, nil
}

var (
	testProtected = []access.Route{
		{Method: "GET", Resource: "/v1/whoami", Function: "fn"},
		{Method: "GET", Resource: "/v1/keys/{keyId}", Function: "fn"},
		{Method: "GET", Resource: "/v1/keys/me", Function: "fn"},
		{Method: "POST", Resource: "/v1/keys/{keyId}/rotate", Function: "fn"},
		{Method: "POST", Resource: "/v1/echo", Function: "fn"},
		{Method: "GET", Resource: "/v1/nofn", Function: "missing"},
	}
	testPublic = []access.Route{
		{Method: "GET", Resource: "/", Function: "fn"},
		{Method: "GET", Resource: "/healthz", Function: "fn"},
		{Method: "ANY", Resource: "/any", Function: "fn"},
		{Method: "GET", Resource: "/files/{path+}", Function: "fn"},
		{Method: "GET", Resource: "/a/b/c", Function: "fn"},
		{Method: "GET", Resource: "/a/{x}/d", Function: "fn"},
		{Method: "GET", Resource: "/v1/whoami", Function: "fn"}, // also protected: protected wins
	}
)

func newGateway(c *capture, a Authorizer, h Handler) *Gateway {
	g := &Gateway{
		Protected: testProtected,
		Public:    testPublic,
		Functions: map[string]Handler{"fn": c.handler(h)},
	}
	if a != nil {
		g.Authorizer = c.authorizer(a)
	}
	return g
}

func serve(g *Gateway, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

func get(g *Gateway, target string) *httptest.ResponseRecorder {
	return serve(g, httptest.NewRequest("GET", target, nil))
}

func TestRouting(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		wantStatus   int
		wantResource string
		wantParams   map[string]string
	}{
		{"root", "GET", "/", 200, "/", nil},
		{"literal", "GET", "/healthz", 200, "/healthz", nil},
		{"parameter", "GET", "/v1/keys/k1", 200, "/v1/keys/{keyId}", map[string]string{"keyId": "k1"}},
		{"literal wins over parameter", "GET", "/v1/keys/me", 200, "/v1/keys/me", nil},
		{"parameter is URL-decoded", "GET", "/v1/keys/a%20b%2Fc%3F", 200, "/v1/keys/{keyId}", map[string]string{"keyId": "a b/c?"}},
		{"nested parameter", "POST", "/v1/keys/k1/rotate", 200, "/v1/keys/{keyId}/rotate", map[string]string{"keyId": "k1"}},
		{"literal branch dead-ends, parameter taken", "GET", "/a/b/d", 200, "/a/{x}/d", map[string]string{"x": "b"}},
		{"literal branch complete", "GET", "/a/b/c", 200, "/a/b/c", nil},
		{"ANY serves any method", "PUT", "/any", 200, "/any", nil},
		{"greedy parameter", "GET", "/files/x/y%20z", 200, "/files/{path+}", map[string]string{"path": "x/y z"}},
		{"protected wins over public", "GET", "/v1/whoami", 200, "/v1/whoami", nil},

		{"unknown path", "GET", "/nope", 403, "", nil},
		{"empty parameter segment", "GET", "/v1/keys/", 403, "", nil},
		{"double slash", "GET", "/v1//keys", 403, "", nil},
		{"trailing slash is another path", "GET", "/healthz/", 403, "", nil},
		{"extra segment", "GET", "/v1/keys/k1/x", 403, "", nil},
		{"resource without methods", "GET", "/v1/keys", 403, "", nil},
		{"method not defined", "DELETE", "/healthz", 403, "", nil},
		{"HEAD is not GET", "HEAD", "/healthz", 403, "", nil},
		{"greedy needs a segment", "GET", "/files/", 403, "", nil},
		{"case matters", "GET", "/HEALTHZ", 403, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{}
			g := newGateway(c, allowAll, ok)
			rec := serve(g, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if rec.Header().Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId header")
			}
			if tt.wantStatus == 403 {
				assertGatewayResponse(t, rec, 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException")
				if c.authCalls+c.fnCalls != 0 {
					t.Errorf("authorizer called %d times, function %d times; want none", c.authCalls, c.fnCalls)
				}
				return
			}
			ev := c.proxyEvent
			if ev.Resource != tt.wantResource || ev.RequestContext.ResourcePath != tt.wantResource {
				t.Errorf("resource = %q / %q, want %q", ev.Resource, ev.RequestContext.ResourcePath, tt.wantResource)
			}
			if !reflect.DeepEqual(ev.PathParameters, tt.wantParams) {
				t.Errorf("pathParameters = %#v, want %#v", ev.PathParameters, tt.wantParams)
			}
			if ev.HTTPMethod != tt.method {
				t.Errorf("httpMethod = %q, want %q", ev.HTTPMethod, tt.method)
			}
		})
	}
}

func assertGatewayResponse(t *testing.T, rec *httptest.ResponseRecorder, status int, body, errorType string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status = %d, want %d", rec.Code, status)
	}
	if got := rec.Body.String(); got != body {
		t.Errorf("body = %s, want %s", got, body)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := rec.Header().Get("x-amzn-ErrorType"); got != errorType {
		t.Errorf("x-amzn-ErrorType = %q, want %q", got, errorType)
	}
}

func statement(action, effect, resource string) events.IAMPolicyStatement {
	return events.IAMPolicyStatement{Action: []string{action}, Effect: effect, Resource: []string{resource}}
}

func answer(principal string, st ...events.IAMPolicyStatement) Authorizer {
	return func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		r := events.APIGatewayCustomAuthorizerResponse{PrincipalID: principal}
		r.PolicyDocument.Version = "2012-10-17"
		r.PolicyDocument.Statement = st
		return r, nil
	}
}

func failing(err error) Authorizer {
	return func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return events.APIGatewayCustomAuthorizerResponse{}, err
	}
}

func panicking(v any) Authorizer {
	return func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		panic(v)
	}
}

func withContext(ctx map[string]any) Authorizer {
	return func(c context.Context, ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		r, _ := allowAll(c, ev)
		r.Context = ctx
		return r, nil
	}
}

func TestAuthorizerOutcomes(t *testing.T) {
	const (
		methodARN  = arnPrefix + "/GET/v1/keys/k1"
		explicit   = `{"message":"User is not authorized to access this resource with an explicit deny"}`
		implicit   = `{"message":"User is not authorized to access this resource"}`
		failure    = `{"message":null}`
		notAllowed = "AccessDeniedException"
		config     = "AuthorizerConfigurationException"
	)
	tests := []struct {
		name       string
		authorizer Authorizer
		wantStatus int
		wantBody   string
		wantType   string
	}{
		{"Unauthorized error is 401", failing(errors.New("Unauthorized")), 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{"Unauthorized must be the whole message", failing(fmt.Errorf("key revoked: %w", errors.New("Unauthorized"))), 500, failure, config},
		{"unauthorized in lower case is not 401", failing(errors.New("unauthorized")), 500, failure, config},
		{"other error is 500", failing(errors.New("dynamodb: timeout")), 500, failure, config},
		{"panic is 500", panicking("nil map"), 500, failure, config},
		{"panic with an error is 500", panicking(errors.New("boom")), 500, failure, config},
		{"panic whose message is Unauthorized is 401, as Lambda reports it", panicking("Unauthorized"), 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{"nil authorizer fails closed", nil, 500, failure, config},

		{"allow the method ARN", answer("u", statement("execute-api:Invoke", "Allow", methodARN)), 200, "", ""},
		{"allow with wildcard resource", answer("u", statement("execute-api:Invoke", "Allow", arnPrefix+"/GET/v1/keys/*")), 200, "", ""},
		{"allow with ? wildcard", answer("u", statement("execute-api:Invoke", "Allow", arnPrefix+"/GET/v1/keys/k?")), 200, "", ""},
		{"allow everything", answer("u", statement("execute-api:Invoke", "Allow", "*")), 200, "", ""},
		{"action execute-api:*", answer("u", statement("execute-api:*", "Allow", methodARN)), 200, "", ""},
		{"action *", answer("u", statement("*", "Allow", methodARN)), 200, "", ""},
		{"action is case-insensitive", answer("u", statement("EXECUTE-API:invoke", "Allow", methodARN)), 200, "", ""},
		{"effect is case-insensitive", answer("u", statement("execute-api:Invoke", "allow", methodARN)), 200, "", ""},

		{"explicit deny", answer("u", statement("execute-api:Invoke", "Deny", methodARN)), 403, explicit, notAllowed},
		{"deny wins over allow", answer("u",
			statement("execute-api:Invoke", "Allow", "*"),
			statement("execute-api:Invoke", "Deny", arnPrefix+"/*/v1/keys/*")), 403, explicit, notAllowed},
		{"deny wins whatever the order", answer("u",
			statement("execute-api:Invoke", "Deny", methodARN),
			statement("execute-api:Invoke", "Allow", methodARN)), 403, explicit, notAllowed},
		{"deny of another resource does not deny", answer("u",
			statement("execute-api:Invoke", "Allow", methodARN),
			statement("execute-api:Invoke", "Deny", arnPrefix+"/DELETE/*")), 200, "", ""},
		{"implicit deny: other resource", answer("u", statement("execute-api:Invoke", "Allow", arnPrefix+"/GET/v1/users/*")), 403, implicit, notAllowed},
		{"implicit deny: other method", answer("u", statement("execute-api:Invoke", "Allow", arnPrefix+"/POST/v1/keys/k1")), 403, implicit, notAllowed},
		{"implicit deny: other stage", answer("u", statement("execute-api:Invoke", "Allow", "arn:aws:execute-api:us-east-1:123456789012:local/prod/*")), 403, implicit, notAllowed},
		{"implicit deny: resource is case-sensitive", answer("u", statement("execute-api:Invoke", "Allow", strings.ToUpper(methodARN))), 403, implicit, notAllowed},
		{"implicit deny: other action", answer("u", statement("lambda:InvokeFunction", "Allow", "*")), 403, implicit, notAllowed},
		{"implicit deny: no statements", answer("u"), 403, implicit, notAllowed},
		{"implicit deny: prefix is not a match", answer("u", statement("execute-api:Invoke", "Allow", arnPrefix+"/GET/v1/keys/k")), 403, implicit, notAllowed},

		{"unknown effect is a configuration error", answer("u", statement("execute-api:Invoke", "Permit", methodARN)), 500, failure, config},
		{"object in context is refused", withContext(map[string]any{"scopes": []string{"a"}}), 500, failure, config},
		{"nested map in context is refused", withContext(map[string]any{"user": map[string]any{"id": 1}}), 500, failure, config},
		{"null in context is refused", withContext(map[string]any{"owner": nil}), 500, failure, config},
		{"unencodable context is refused", withContext(map[string]any{"f": func() {}}), 500, failure, config},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{}
			g := newGateway(c, tt.authorizer, ok)
			rec := get(g, "/v1/keys/k1")
			if tt.authorizer != nil && c.authCalls != 1 {
				t.Errorf("authorizer called %d times, want 1", c.authCalls)
			}
			if tt.wantStatus == 200 {
				if rec.Code != 200 || c.fnCalls != 1 {
					t.Fatalf("status %d, function called %d times; want 200 and 1 (body %s)", rec.Code, c.fnCalls, rec.Body)
				}
				if got := c.proxyEvent.RequestContext.Authorizer["principalId"]; got != "u" {
					t.Errorf("authorizer principalId = %v, want u", got)
				}
				return
			}
			assertGatewayResponse(t, rec, tt.wantStatus, tt.wantBody, tt.wantType)
			if c.fnCalls != 0 {
				t.Errorf("function called %d times after a refusal", c.fnCalls)
			}
			// RFC 6750 §3: a 401 carries a challenge, and only a 401 does.
			if got, want := rec.Header().Get("WWW-Authenticate"), map[bool]string{true: access.Challenge}[tt.wantStatus == 401]; got != want {
				t.Errorf("WWW-Authenticate = %q, want %q", got, want)
			}
		})
	}
}

func TestAuthorizerTimeoutFailsClosed(t *testing.T) {
	c := &capture{}
	slow := func(ctx context.Context, _ events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		<-ctx.Done()
		return policy("u", "Allow", "*"), nil // too late: must not count
	}
	g := newGateway(c, slow, ok)
	g.timeout = 50 * time.Millisecond
	rec := get(g, "/v1/keys/k1")
	assertGatewayResponse(t, rec, 500, `{"message":null}`, "AuthorizerConfigurationException")
	if c.fnCalls != 0 {
		t.Error("function called after an authorizer timeout")
	}
}

func TestPublicRouteSkipsAuthorizer(t *testing.T) {
	c := &capture{}
	g := newGateway(c, failing(errors.New("Unauthorized")), ok)
	rec := get(g, "/healthz")
	if rec.Code != 200 || c.authCalls != 0 || c.fnCalls != 1 {
		t.Fatalf("status %d, authorizer %d calls, function %d calls", rec.Code, c.authCalls, c.fnCalls)
	}
	if c.proxyEvent.RequestContext.Authorizer != nil {
		t.Errorf("public route got authorizer context %v", c.proxyEvent.RequestContext.Authorizer)
	}
}

func TestContextStringification(t *testing.T) {
	c := &capture{}
	g := newGateway(c, withContext(map[string]any{
		"credentialType": "api_key",
		"count":          42,
		"big":            int64(9007199254740993), // beyond float64 precision
		"ratio":          1.5,
		"admin":          true,
		"disabled":       false,
		"empty":          "",
		"principalId":    "spoofed", // the top-level principalId wins
	}), ok)
	if rec := get(g, "/v1/whoami"); rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := c.proxyEvent.RequestContext.Authorizer
	want := map[string]any{
		"credentialType": "api_key",
		"count":          "42",
		"big":            "9007199254740993",
		"ratio":          "1.5",
		"admin":          "true",
		"disabled":       "false",
		"empty":          "",
		"principalId":    "user-1",
	}
	latency, ok := got["integrationLatency"].(float64)
	if !ok || latency < 0 {
		t.Errorf("integrationLatency = %#v, want a number", got["integrationLatency"])
	}
	delete(got, "integrationLatency")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("authorizer context = %#v\nwant %#v", got, want)
	}
}

func TestRequestMapping(t *testing.T) {
	c := &capture{}
	g := newGateway(c, allowAll, ok)
	g.Stage, g.APIID, g.Region, g.AccountID = "dev", "abc123", "eu-west-1", "111122223333"
	g.Protected = []access.Route{{Method: "GET", Resource: "/v1/keys/{keyId}", Function: "fn"}}
	g.Authorizer = c.authorizer(func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return policy("u", "Allow", "arn:aws:execute-api:eu-west-1:111122223333:abc123/dev/*"), nil
	})

	req := httptest.NewRequest("GET", "http://api.example.test:8080/v1/keys/k%201?a=1&a=2&b=x%20y+z&c&d=%ZZ&&", nil)
	req.RemoteAddr = "198.51.100.7:5555"
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Set("User-Agent", "tollgate-test/1.0")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	req.Header["lower-case"] = []string{"kept as sent by Go"}
	rec := serve(g, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	a, p := c.authEvent, c.proxyEvent

	wantARN := "arn:aws:execute-api:eu-west-1:111122223333:abc123/dev/GET/v1/keys/k 1"
	if a.Type != "REQUEST" || a.MethodArn != wantARN {
		t.Errorf("type %q methodArn %q, want REQUEST %q", a.Type, a.MethodArn, wantARN)
	}
	wantQuery := map[string]string{"a": "2", "b": "x y z", "c": "", "d": "%ZZ"}
	wantMultiQuery := map[string][]string{"a": {"1", "2"}, "b": {"x y z"}, "c": {""}, "d": {"%ZZ"}}
	for name, got := range map[string]struct {
		resource, path, method string
		headers                map[string]string
		multi                  map[string][]string
		query                  map[string]string
		multiQuery             map[string][]string
		params, stageVars      map[string]string
		ctxPath, stage, apiID  string
		account, reqID, ip     string
	}{
		"authorizer": {a.Resource, a.Path, a.HTTPMethod, a.Headers, a.MultiValueHeaders, a.QueryStringParameters, a.MultiValueQueryStringParameters,
			a.PathParameters, a.StageVariables, a.RequestContext.Path, a.RequestContext.Stage, a.RequestContext.APIID,
			a.RequestContext.AccountID, a.RequestContext.RequestID, a.RequestContext.Identity.SourceIP},
		"function": {p.Resource, p.Path, p.HTTPMethod, p.Headers, p.MultiValueHeaders, p.QueryStringParameters, p.MultiValueQueryStringParameters,
			p.PathParameters, p.StageVariables, p.RequestContext.Path, p.RequestContext.Stage, p.RequestContext.APIID,
			p.RequestContext.AccountID, p.RequestContext.RequestID, p.RequestContext.Identity.SourceIP},
	} {
		t.Run(name, func(t *testing.T) {
			check := func(field string, got, want any) {
				t.Helper()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", field, got, want)
				}
			}
			check("resource", got.resource, "/v1/keys/{keyId}")
			check("path", got.path, "/v1/keys/k 1")
			check("httpMethod", got.method, "GET")
			check("headers[X-Multi]", got.headers["X-Multi"], "two")
			check("multiValueHeaders[X-Multi]", got.multi["X-Multi"], []string{"one", "two"})
			check("headers[Host]", got.headers["Host"], "api.example.test:8080")
			check("headers[User-Agent]", got.headers["User-Agent"], "tollgate-test/1.0")
			check("headers[lower-case]", got.headers["lower-case"], "kept as sent by Go")
			check("headers[X-Forwarded-For]", got.headers["X-Forwarded-For"], "203.0.113.9, 198.51.100.7")
			check("headers[X-Forwarded-Proto]", got.headers["X-Forwarded-Proto"], "http")
			check("trace id", strings.HasPrefix(got.headers["X-Amzn-Trace-Id"], "Root=1-"), true)
			check("queryStringParameters", got.query, wantQuery)
			check("multiValueQueryStringParameters", got.multiQuery, wantMultiQuery)
			check("pathParameters", got.params, map[string]string{"keyId": "k 1"})
			check("stageVariables", got.stageVars, map[string]string(nil))
			check("requestContext.path", got.ctxPath, "/v1/keys/k 1") // as typed: served at the root, no stage in it
			check("requestContext.stage", got.stage, "dev")
			check("requestContext.apiId", got.apiID, "abc123")
			check("requestContext.accountId", got.account, "111122223333")
			check("requestContext.requestId", got.reqID, rec.Header().Get("x-amzn-RequestId"))
			check("requestContext.identity.sourceIp", got.ip, "198.51.100.7")
		})
	}
	if a.RequestContext.ResourceID == "" || a.RequestContext.ResourceID != p.RequestContext.ResourceID {
		t.Errorf("resourceId %q / %q", a.RequestContext.ResourceID, p.RequestContext.ResourceID)
	}
	rc := p.RequestContext
	if rc.Identity.UserAgent != "tollgate-test/1.0" || rc.Identity.ClientCert != nil {
		t.Errorf("identity = %+v", rc.Identity)
	}
	if rc.DomainName != "api.example.test" || rc.DomainPrefix != "api" || rc.Protocol != "HTTP/1.1" || rc.HTTPMethod != "GET" {
		t.Errorf("domain %q prefix %q protocol %q method %q", rc.DomainName, rc.DomainPrefix, rc.Protocol, rc.HTTPMethod)
	}
	if rc.RequestTimeEpoch == 0 || rc.RequestTime == "" || rc.ExtendedRequestID == "" {
		t.Errorf("requestTime %q epoch %d extendedRequestId %q", rc.RequestTime, rc.RequestTimeEpoch, rc.ExtendedRequestID)
	}
	if a.RequestContext.Identity.ClientCert.ClientCertPem != "" {
		t.Error("client certificate without TLS")
	}
	lc, ok := lambdacontext.FromContext(c.fnCtx)
	if !ok || lc.AwsRequestID == "" || lc.InvokedFunctionArn != "arn:aws:lambda:eu-west-1:111122223333:function:fn" {
		t.Errorf("lambda context = %+v", lc)
	}
	if _, ok := c.fnCtx.Deadline(); !ok {
		t.Error("function context has no deadline")
	}
}

func TestNoQueryIsNull(t *testing.T) {
	for _, target := range []string{"/v1/whoami", "/v1/whoami?", "/v1/whoami?&&"} {
		c := &capture{}
		g := newGateway(c, allowAll, ok)
		get(g, target)
		for name, ev := range map[string]any{"authorizer": c.authEvent, "function": c.proxyEvent} {
			var m map[string]json.RawMessage
			b, _ := json.Marshal(ev)
			_ = json.Unmarshal(b, &m)
			for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables"} {
				if string(m[k]) != "null" {
					t.Errorf("%s %s: %s = %s, want null", target, name, k, m[k])
				}
			}
		}
	}
}

// TestEventsMatchAWS decodes the events the fakes received with unknown
// fields disallowed, and compares their JSON keys with AWS's samples, so
// the emulation cannot drift from what Lambda delivers.
func TestEventsMatchAWS(t *testing.T) {
	c := &capture{}
	g := newGateway(c, allowAll, ok)
	req := httptest.NewRequest("POST", "/v1/echo?x=1", strings.NewReader(`{"a":1}`))
	req.Header.Set("Content-Type", "application/json")
	if rec := serve(g, req); rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	cases := []struct {
		name   string
		event  any
		into   any
		sample string
		exact  bool // the key sets must be equal, not just ours ⊆ sample
	}{
		{"authorizer", c.authEvent, &events.APIGatewayCustomAuthorizerRequestTypeRequest{}, "testdata/apigw-custom-auth-request-type-request.json", true},
		{"proxy", c.proxyEvent, &events.APIGatewayProxyRequest{}, "testdata/apigw-request.json", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.event)
			if err != nil {
				t.Fatal(err)
			}
			strict(t, b, tc.into)
			if !reflect.DeepEqual(reflect.ValueOf(tc.into).Elem().Interface(), tc.event) {
				t.Error("event does not survive a JSON round trip")
			}
			sample, err := os.ReadFile(tc.sample)
			if err != nil {
				t.Fatal(err)
			}
			strict(t, sample, reflect.New(reflect.TypeOf(tc.into).Elem()).Interface())
			ours, theirs := keys(t, b), keys(t, sample)
			for _, k := range ours {
				if !slices.Contains(theirs, k) {
					t.Errorf("we send %s, AWS's sample has no such field", k)
				}
			}
			if tc.exact {
				for _, k := range theirs {
					if !slices.Contains(ours, k) {
						t.Errorf("AWS's sample has %s, we do not send it", k)
					}
				}
			}
		})
	}
}

func strict(t *testing.T, b []byte, into any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		t.Fatalf("strict decode into %T: %v", into, err)
	}
}

// freeForm are the maps whose keys are data, not fields.
var freeForm = []string{"headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters",
	"pathParameters", "stageVariables", "authorizer"}

// keys lists the dotted paths of the JSON object's fields.
func keys(t *testing.T, b []byte) []string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			out = append(out, prefix+k)
			if sub, ok := v.(map[string]any); ok && !slices.Contains(freeForm, k) {
				walk(prefix+k+".", sub)
			}
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

func TestBodies(t *testing.T) {
	binary := []byte{0xff, 0x00, 0xfe, 'a'}
	tests := []struct {
		name       string
		body       []byte
		wantBody   string
		wantBase64 bool
	}{
		{"no body", nil, "", false},
		{"UTF-8 text", []byte("grant_type=client_credentials&é=✓"), "grant_type=client_credentials&é=✓", false},
		{"binary", binary, base64.StdEncoding.EncodeToString(binary), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{}
			g := newGateway(c, allowAll, ok)
			serve(g, httptest.NewRequest("POST", "/v1/echo", bytes.NewReader(tt.body)))
			if c.proxyEvent.Body != tt.wantBody || c.proxyEvent.IsBase64Encoded != tt.wantBase64 {
				t.Errorf("body %q base64 %v, want %q %v", c.proxyEvent.Body, c.proxyEvent.IsBase64Encoded, tt.wantBody, tt.wantBase64)
			}
		})
	}
}

func TestPayloadLimit(t *testing.T) {
	tests := []struct {
		name          string
		size          int
		unknownLength bool
		wantStatus    int
	}{
		{"at the limit", maxPayload, false, 200},
		{"over the limit", maxPayload + 1, false, 413},
		{"over the limit, chunked", maxPayload + 1, true, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{}
			g := newGateway(c, allowAll, ok)
			req := httptest.NewRequest("POST", "/v1/echo", bytes.NewReader(bytes.Repeat([]byte("a"), tt.size)))
			if tt.unknownLength {
				req.ContentLength = -1
			}
			rec := serve(g, req)
			if tt.wantStatus == 200 {
				if rec.Code != 200 || len(c.proxyEvent.Body) != tt.size {
					t.Fatalf("status %d, body of %d bytes", rec.Code, len(c.proxyEvent.Body))
				}
				return
			}
			assertGatewayResponse(t, rec, 413, `{"message":"Request Too Long"}`, "")
			if c.authCalls+c.fnCalls != 0 {
				t.Error("authorizer or function called for an oversized request")
			}
		})
	}
}

func TestMethodARNTooLong(t *testing.T) {
	c := &capture{}
	g := newGateway(c, allowAll, ok)
	rec := get(g, "/v1/keys/"+strings.Repeat("k", maxMethodARN))
	if rec.Code != http.StatusRequestURITooLong || c.authCalls != 0 {
		t.Fatalf("status %d, authorizer called %d times; want 414 and 0", rec.Code, c.authCalls)
	}
}

func TestFunctionOutcomes(t *testing.T) {
	const internal = `{"message": "Internal server error"}`
	respond := func(resp events.APIGatewayProxyResponse, err error) Handler {
		return func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return resp, err
		}
	}
	tests := []struct {
		name        string
		handler     Handler
		path        string
		wantStatus  int
		wantBody    string
		wantHeaders http.Header
	}{
		{"plain answer", respond(events.APIGatewayProxyResponse{StatusCode: 201, Body: `{"id":"k1"}`,
			Headers: map[string]string{"Location": "/v1/keys/k1"}}, nil),
			"/v1/whoami", 201, `{"id":"k1"}`, http.Header{"Location": {"/v1/keys/k1"}, "Content-Type": {"application/json"}}},
		{"headers merged, multi-value first, pairs not repeated", respond(events.APIGatewayProxyResponse{StatusCode: 200,
			MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}, "x-dup": {"m"}},
			Headers:           map[string]string{"X-Dup": "m", "Set-Cookie": "c=3", "Content-Type": "text/plain", "Content-Length": "999"}}, nil),
			"/v1/whoami", 200, "", http.Header{"Set-Cookie": {"a=1", "b=2", "c=3"}, "X-Dup": {"m"}, "Content-Type": {"text/plain"}}},
		{"base64 body decoded", respond(events.APIGatewayProxyResponse{StatusCode: 200, IsBase64Encoded: true,
			Body: base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff}), Headers: map[string]string{"Content-Type": "application/octet-stream"}}, nil),
			"/v1/whoami", 200, string([]byte{0, 1, 2, 0xff}), http.Header{"Content-Type": {"application/octet-stream"}}},
		{"error is 502", respond(events.APIGatewayProxyResponse{StatusCode: 200}, errors.New("boom")), "/v1/whoami", 502, internal, nil},
		{"panic is 502", func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			panic("boom")
		}, "/v1/whoami", 502, internal, nil},
		{"no status code is 502", respond(events.APIGatewayProxyResponse{Body: "x"}, nil), "/v1/whoami", 502, internal, nil},
		{"bad base64 is 502", respond(events.APIGatewayProxyResponse{StatusCode: 200, IsBase64Encoded: true, Body: "!!"}, nil), "/v1/whoami", 502, internal, nil},
		{"missing function is 502", ok, "/v1/nofn", 502, internal, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{}
			g := newGateway(c, allowAll, tt.handler)
			rec := get(g, tt.path)
			if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == 502 {
				assertGatewayResponse(t, rec, 502, internal, "InternalServerErrorException")
			}
			for k, want := range tt.wantHeaders {
				if got := rec.Header().Values(k); !reflect.DeepEqual(got, want) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if got := rec.Header().Get("Content-Length"); got == "999" {
				t.Error("function's Content-Length passed through")
			}
			if id := rec.Header().Get("x-amzn-RequestId"); tt.path != "/v1/nofn" && id != c.proxyEvent.RequestContext.RequestID {
				t.Errorf("x-amzn-RequestId %q, event requestId %q", id, c.proxyEvent.RequestContext.RequestID)
			}
		})
	}
}

func TestFunctionTimeout(t *testing.T) {
	c := &capture{}
	g := newGateway(c, allowAll, func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		<-ctx.Done()
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	})
	g.timeout = 50 * time.Millisecond
	rec := get(g, "/v1/whoami")
	assertGatewayResponse(t, rec, 504, `{"message": "Endpoint request timed out"}`, "")
}

func TestLogsCarryNoSecrets(t *testing.T) {
	const secret = "tgk_s3cr3tS3cr3tS3cr3t"
	var buf bytes.Buffer
	c := &capture{}
	g := newGateway(c, func(_ context.Context, ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		if ev.Headers["Authorization"] == "Bearer "+secret {
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("store unavailable")
		}
		return allowAll(context.Background(), ev)
	}, ok)
	g.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))

	for _, target := range []string{"/v1/whoami?api_token=" + secret, "/v1/keys/" + secret} {
		req := httptest.NewRequest("POST", target, strings.NewReader("client_secret="+secret))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("X-Api-Key", secret)
		serve(g, req)
	}
	req := httptest.NewRequest("GET", "/v1/keys/k1?api_token="+secret, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	rec := serve(g, req)

	logs := buf.String()
	if strings.Contains(logs, secret) || strings.Contains(logs, "s3cr3t") {
		t.Fatalf("logs carry the secret:\n%s", logs)
	}
	for _, want := range []string{`"requestId":"` + rec.Header().Get("x-amzn-RequestId") + `"`, `"resource":"/v1/keys/{keyId}"`,
		`"status":500`, `"level":"ERROR"`, `store unavailable`, `"duration":`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func ExampleGateway() {
	g := &Gateway{
		Public: []access.Route{{Method: "GET", Resource: "/healthz", Function: "health"}},
		Functions: map[string]Handler{"health": func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"status":"ok"}`}, nil
		}},
		Stage: "local",
	}
	for _, path := range []string{"/healthz", "/nope"} {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		body, _ := io.ReadAll(rec.Body)
		fmt.Println(rec.Code, string(body))
	}
	// Output:
	// 200 {"status":"ok"}
	// 403 {"message":"Missing Authentication Token"}
}
