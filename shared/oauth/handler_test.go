package oauth_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestTokenRequestFormat(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		headers []string
		base64  bool
		status  int
		code    string
		desc    string // a substring of error_description
	}{
		{name: "grant_type missing", body: form("scope", "echo:read"), status: 400, code: "invalid_request", desc: "grant_type"},
		{name: "grant_type empty", body: "grant_type=", status: 400, code: "invalid_request", desc: "grant_type"},
		{name: "empty body", body: "", status: 400, code: "invalid_request", desc: "grant_type"},
		{name: "grant_type unknown", body: form("grant_type", "password", "username", "alice", "password", "x"), status: 400, code: "unsupported_grant_type"},
		{name: "authorization_code", body: form("grant_type", "authorization_code", "code", "abc"), status: 400, code: "unsupported_grant_type"},
		{name: "grant_type in capitals", body: form("grant_type", "CLIENT_CREDENTIALS"), status: 400, code: "unsupported_grant_type"},
		{name: "JSON body", body: `{"grant_type":"client_credentials"}`, headers: []string{"Content-Type: application/json"},
			status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "JSON body labelled as a form", body: `{"grant_type":"client_credentials"}`, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "JSON array body", body: `[1]`, headers: []string{"Content-Type: application/json; charset=utf-8"}, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "no Content-Type", body: form("grant_type", "client_credentials"), headers: []string{"Content-Type: "}, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "text/plain", body: form("grant_type", "client_credentials"), headers: []string{"Content-Type: text/plain"}, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "multipart", body: "--x--", headers: []string{"Content-Type: multipart/form-data; boundary=x"}, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "charset not UTF-8", body: form("grant_type", "client_credentials"), headers: []string{"Content-Type: application/x-www-form-urlencoded; charset=iso-8859-1"},
			status: 400, code: "invalid_request"},
		{name: "duplicate grant_type", body: "grant_type=client_credentials&grant_type=client_credentials", status: 400, code: "invalid_request", desc: "grant_type"},
		{name: "duplicate refresh_token", body: "grant_type=refresh_token&refresh_token=a&refresh_token=b", status: 400, code: "invalid_request", desc: "refresh_token"},
		{name: "duplicate scope", body: "grant_type=client_credentials&client_id=x&client_secret=y&scope=a&scope=b", status: 400, code: "invalid_request", desc: "scope"},
		{name: "bad percent-encoding", body: "grant_type=client%ZZcredentials", status: 400, code: "invalid_request"},
		{name: "not UTF-8", body: "grant_type=%FF", status: 400, code: "invalid_request"},
		{name: "empty parameter name", body: "grant_type=client_credentials&=x", status: 400, code: "invalid_request"},
		{name: "body over 16 KiB", body: form("grant_type", "client_credentials", "pad", strings.Repeat("a", 16<<10)), status: 400, code: "invalid_request"},
		{name: "invalid base64 body", body: "%%%", base64: true, status: 400, code: "invalid_request"},
		{name: "base64 body", body: base64.StdEncoding.EncodeToString([]byte(form("grant_type", "nope"))), base64: true, status: 400, code: "unsupported_grant_type"},
		{name: "lower-case content-type header", body: form("grant_type", "nope"), headers: []string{"Content-Type: ", "content-type: application/x-www-form-urlencoded"},
			status: 400, code: "unsupported_grant_type"},
		{name: "form type with UTF-8 charset", body: form("grant_type", "nope"), headers: []string{"Content-Type: application/x-www-form-urlencoded; charset=UTF-8"},
			status: 400, code: "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			req := tokenReq(tt.body, tt.headers...)
			req.IsBase64Encoded = tt.base64
			a := f.call(t, req)
			a.wantError(t, tt.status, tt.code)
			if d := a.str(t, "error_description"); !strings.Contains(d, tt.desc) {
				t.Errorf("error_description = %q, want it to mention %q", d, tt.desc)
			}
			if a.reads != 0 {
				t.Errorf("a malformed request read the store %d times", a.reads)
			}
		})
	}
}

func TestUnknownRoutes(t *testing.T) {
	for _, r := range []struct{ method, resource string }{
		{"GET", "/oauth/token"},
		{"PUT", "/oauth/token"},
		{"GET", "/oauth/revoke"},
		{"POST", "/oauth/authorize"},
		{"POST", "/.well-known/jwks.json"},
		{"GET", "/.well-known/openid-configuration"},
		{"GET", "/v1/keys"},
		{"GET", ""},
	} {
		t.Run(r.method+" "+r.resource, func(t *testing.T) {
			f := newFixture(t)
			a := f.call(t, event(r.method, r.resource, form("grant_type", "client_credentials")))
			if a.StatusCode != 404 || a.Headers["Content-Type"] != "application/json" || a.str(t, "error") == "" {
				t.Errorf("%d %v %s, want a 404 JSON error", a.StatusCode, a.Headers, a.Body)
			}
			if a.reads != 0 {
				t.Errorf("an unknown route read the store %d times", a.reads)
			}
		})
	}
}
