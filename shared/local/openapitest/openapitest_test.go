package openapitest_test

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/openapitest"
)

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	s := openapitest.Load(t)
	if v := s.Document.GetVersion(); v != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", v)
	}
	for _, e := range s.ValidateDocument() {
		t.Error(e)
	}
}

// documented is one operation of the document and its x-tollgate marks.
type documented struct {
	scope, role string
	hasScope    bool
	localOnly   bool
}

func operations(t *testing.T) map[string]documented {
	t.Helper()
	s := openapitest.Load(t)
	out := map[string]documented{}
	for path, item := range s.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			var d documented
			ext := func(name string) (string, bool) {
				n := op.Extensions.GetOrZero(name)
				if n == nil {
					return "", false
				}
				return n.Value, true
			}
			d.scope, d.hasScope = ext("x-tollgate-scope")
			d.role, _ = ext("x-tollgate-role")
			v, _ := ext("x-tollgate-local-only")
			d.localOnly = v == "true"
			out[strings.ToUpper(method)+" "+path] = d
		}
	}
	return out
}

// TestEveryRouteDocumented ties the document to the route tables both
// ways: each route is documented with its method (a protected one with its
// scope and role, a public one without a Tollgate credential), and each
// documented operation is routed or served by the local stack alone (marked
// x-tollgate-local-only).
func TestEveryRouteDocumented(t *testing.T) {
	ops := operations(t)
	routed := map[string]bool{}
	for _, r := range access.Routes {
		key := r.Method + " " + r.Resource
		routed[key] = true
		d, ok := ops[key]
		switch {
		case !ok:
			t.Errorf("%s is routed (access.Routes) but not in docs/openapi.yaml", key)
		case !d.hasScope || d.scope != r.Scope || d.role != r.Role:
			t.Errorf("%s: the document says scope %q role %q (x-tollgate-scope, x-tollgate-role), access.Routes %q %q", key, d.scope, d.role, r.Scope, r.Role)
		case d.localOnly:
			t.Errorf("%s is routed: drop x-tollgate-local-only", key)
		}
	}
	for _, r := range access.PublicRoutes {
		key := r.Method + " " + r.Resource
		routed[key] = true
		d, ok := ops[key]
		switch {
		case !ok:
			t.Errorf("%s is routed (access.PublicRoutes) but not in docs/openapi.yaml", key)
		case d.hasScope || d.role != "":
			t.Errorf("%s is public: the document must not give it x-tollgate-scope or x-tollgate-role", key)
		case d.localOnly:
			t.Errorf("%s is routed: drop x-tollgate-local-only", key)
		}
	}
	local := []string{"GET " + devstack.HealthPath}
	for key, d := range ops {
		switch {
		case routed[key]:
		case d.localOnly && slices.Contains(local, key):
		case d.localOnly:
			t.Errorf("%s is marked x-tollgate-local-only, but the local stack serves no such route", key)
		default:
			t.Errorf("%s is documented but not routed (access.Routes, access.PublicRoutes)", key)
		}
	}
	for _, key := range local {
		if !ops[key].localOnly {
			t.Errorf("%s (local stack) is not documented with x-tollgate-local-only: true", key)
		}
	}
}

// TestCheck runs the checker on exchanges it must refuse or accept.
func TestCheck(t *testing.T) {
	s := openapitest.Load(t)
	const key = "tgk_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghi"
	cases := []struct {
		name       string
		method     string
		target     string
		reqHeader  http.Header
		reqBody    string
		status     int
		respHeader http.Header
		respBody   string
		want       []string // substrings of the violations, in order; none for a valid exchange
	}{
		{name: "whoami answered as documented", method: "GET", target: "/v1/whoami", reqHeader: http.Header{"X-Api-Key": {key}},
			status: 200, respHeader: http.Header{"Content-Type": {"application/json"}},
			respBody: `{"principalId":"usr_01234567890123456","credentialType":"api_key","credentialId":"key_01234567890123456","scopes":"*","projectId":"p"}`},
		{name: "an undocumented member", method: "GET", target: "/v1/whoami", reqHeader: http.Header{"X-Api-Key": {key}},
			status: 200, respHeader: http.Header{"Content-Type": {"application/json"}},
			respBody: `{"principalId":"u","credentialType":"api_key","credentialId":"k","scopes":"","projectId":"p","extra":1}`,
			want:     []string{"GET /v1/whoami → 200: "}},
		{name: "an undocumented status", method: "GET", target: "/v1/whoami", reqHeader: http.Header{"X-Api-Key": {key}},
			status: 500, respHeader: http.Header{"Content-Type": {"application/json"}}, respBody: `{"message":null}`,
			want: []string{"GET /v1/whoami → 500: "}},
		{name: "a missing ETag", method: "GET", target: "/v1/sas", reqHeader: http.Header{"Authorization": {"Bearer " + key}},
			status: 200, respHeader: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
			respBody: `{"identifier":"0123456789abcdef01234567","enabled":true,"primaryKey":"` + strings.Repeat("A", 86) + `==","secondaryKey":"` + strings.Repeat("B", 86) + `=="}`,
			want:     []string{"ETag"}},
		{name: "a body where none is documented", method: "DELETE", target: "/v1/keys/key_01234567890123456", reqHeader: http.Header{"X-Api-Key": {key}},
			status: 204, respHeader: http.Header{"Content-Type": {"application/json"}}, respBody: `{}`,
			want: []string{"has a body"}},
		{name: "a 2xx request with an unknown field", method: "POST", target: "/v1/keys", reqHeader: http.Header{"X-Api-Key": {key}, "Content-Type": {"application/json"}},
			reqBody: `{"name":"n","colour":"` + key + `"}`, status: 201,
			respHeader: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}, "Location": {"/v1/keys/key_01234567890123456"}},
			respBody:   `{"keyId":"key_01234567890123456","key":"` + key + `","name":"n","scopes":null,"owner":"usr_01234567890123456","status":"active","hint":"tgk_…ghij","createdAt":"2026-12-06T11:00:00Z","expiresAt":null,"lastUsedAt":null,"rateLimit":null,"quota":null}`,
			want:       []string{"request: "}},
		{name: "a 4xx request is not held to the schema", method: "POST", target: "/v1/keys", reqHeader: http.Header{"X-Api-Key": {key}, "Content-Type": {"application/json"}},
			reqBody: `{"name":"n","colour":"red"}`, status: 400, respHeader: http.Header{"Content-Type": {"application/problem+json"}},
			respBody: `{"type":"about:blank","title":"Bad Request","status":400,"detail":"colour: unknown field (names are case-sensitive)"}`},
		{name: "an unrouted path refused by the gateway", method: "GET", target: "/v1/nope", status: 403,
			respHeader: http.Header{"Content-Type": {"application/json"}}, respBody: `{"message":"Missing Authentication Token"}`},
		{name: "an undocumented route served", method: "GET", target: "/v1/nope", status: 200,
			respHeader: http.Header{"Content-Type": {"application/json"}}, respBody: `{}`,
			want: []string{"GET /v1/nope → 200: the route is served but not documented"}},
		{name: "the token endpoint's answer", method: "POST", target: "/oauth/token",
			reqHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, reqBody: "grant_type=refresh_token&refresh_token=" + strings.Replace(key, "tgk", "tgr", 1),
			status: 200, respHeader: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}, "Pragma": {"no-cache"}},
			respBody: `{"access_token":"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln","token_type":"Bearer","expires_in":3600,"refresh_token":"x","scope":""}`},
		{name: "a token request without its grant's parameter", method: "POST", target: "/oauth/token",
			reqHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, reqBody: "grant_type=refresh_token",
			status: 200, respHeader: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}, "Pragma": {"no-cache"}},
			respBody: `{"access_token":"a","token_type":"Bearer","expires_in":3600,"scope":""}`,
			want:     []string{"request: "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, c.target, strings.NewReader(c.reqBody))
			if err != nil {
				t.Fatal(err)
			}
			if c.reqHeader != nil {
				req.Header = c.reqHeader
			}
			resp := &http.Response{StatusCode: c.status, Header: c.respHeader, Body: io.NopCloser(bytes.NewReader([]byte(c.respBody)))}
			got := s.Check(req, resp)
			if len(c.want) == 0 && len(got) > 0 {
				t.Fatalf("violations of a valid exchange:\n%s", strings.Join(got, "\n"))
			}
			if len(c.want) > 0 && len(got) == 0 {
				t.Fatalf("no violation, want %q", c.want)
			}
			all := strings.Join(got, "\n")
			t.Log(all)
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("violations do not mention %q:\n%s", w, all)
				}
			}
			if strings.Contains(all, "tgk_0123") || strings.Contains(all, "tgr_0123") {
				t.Errorf("a violation shows a secret:\n%s", all)
			}
		})
	}
}
