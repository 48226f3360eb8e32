package oauth_test

import (
	"encoding/base64"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/oauth"
)

const formType = "application/x-www-form-urlencoded"

// asError asserts that err is an *oauth.Error with status and code.
func asError(t testing.TB, err error, status int, code string) *oauth.Error {
	t.Helper()
	var e *oauth.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not an *oauth.Error", err, err)
	}
	if e.Status != status || e.Code != code || e.Description == "" {
		t.Fatalf("error = %+v, want %d %s with a description", e, status, code)
	}
	return e
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		ct   string
		body string
		want map[string]string // nil: refused with invalid_request
		desc string            // a substring of the refusal's description
	}{
		{name: "client credentials", ct: formType, body: "grant_type=client_credentials&scope=a%3Aread+b",
			want: map[string]string{"grant_type": "client_credentials", "scope": "a:read b"}},
		{name: "empty body", ct: formType, body: "", want: map[string]string{}},
		{name: "plus is a space", ct: formType, body: "a=x+y&b=%2B", want: map[string]string{"a": "x y", "b": "+"}},
		{name: "empty value", ct: formType, body: "a=&b=1", want: map[string]string{"a": "", "b": "1"}},
		{name: "name without =", ct: formType, body: "a&b=1", want: map[string]string{"a": "", "b": "1"}},
		{name: "value with =", ct: formType, body: "a=x=y", want: map[string]string{"a": "x=y"}},
		{name: "empty pairs skipped", ct: formType, body: "&a=1&&b=2&", want: map[string]string{"a": "1", "b": "2"}},
		{name: "only ampersands", ct: formType, body: "&&", want: map[string]string{}},
		{name: "escaped UTF-8", ct: formType, body: "n=%C3%A9%E2%9C%93", want: map[string]string{"n": "é✓"}},
		{name: "raw UTF-8", ct: formType, body: "n=é", want: map[string]string{"n": "é"}},
		{name: "escaped name", ct: formType, body: "client%5Fid=x", want: map[string]string{"client_id": "x"}},
		{name: "semicolon is data", ct: formType, body: "a=1;b=2", want: map[string]string{"a": "1;b=2"}},
		{name: "charset UTF-8", ct: formType + "; charset=UTF-8", body: "a=1", want: map[string]string{"a": "1"}},
		{name: "charset utf-8 quoted", ct: formType + `;charset="utf-8"`, body: "a=1", want: map[string]string{"a": "1"}},
		{name: "media type case", ct: "Application/X-WWW-Form-URLEncoded", body: "a=1", want: map[string]string{"a": "1"}},
		{name: "largest body", ct: formType, body: "a=" + strings.Repeat("x", oauth.MaxBody-2),
			want: map[string]string{"a": strings.Repeat("x", oauth.MaxBody-2)}},

		{name: "duplicate", ct: formType, body: "scope=a&scope=b", desc: "more than once: scope"},
		{name: "duplicate empty values", ct: formType, body: "a=&a=", desc: "more than once"},
		{name: "duplicate through escaping", ct: formType, body: "client_id=a&client%5Fid=b", desc: "more than once: client_id"},
		{name: "duplicate odd name", ct: formType, body: "%22x%22=1&%22x%22=2", desc: "a parameter is given more than once"},
		{name: "bad escape", ct: formType, body: "a=%zz", desc: "percent-encoding"},
		{name: "truncated escape", ct: formType, body: "a=%4", desc: "percent-encoding"},
		{name: "bare percent", ct: formType, body: "a=100%", desc: "percent-encoding"},
		{name: "bad escape in name", ct: formType, body: "%g1=x", desc: "percent-encoding"},
		{name: "invalid UTF-8 escaped", ct: formType, body: "a=%ff", desc: "UTF-8"},
		{name: "invalid UTF-8 raw", ct: formType, body: "a=\xc3", desc: "UTF-8"},
		{name: "invalid UTF-8 name", ct: formType, body: "%C3=x", desc: "UTF-8"},
		{name: "empty name", ct: formType, body: "=x", desc: "empty name"},
		{name: "empty name and value", ct: formType, body: "a=1&=", desc: "empty name"},
		{name: "JSON body", ct: "application/json", body: `{"grant_type":"client_credentials"}`, desc: "form-urlencoded"},
		{name: "JSON body with charset", ct: "application/json; charset=utf-8", body: `{}`, desc: "form-urlencoded"},
		{name: "JSON body labelled form", ct: formType, body: ` {"grant_type":"client_credentials"}`, desc: "form-urlencoded"},
		{name: "missing content type", ct: "", body: "a=1", desc: "form-urlencoded"},
		{name: "text/plain", ct: "text/plain", body: "a=1", desc: "form-urlencoded"},
		{name: "multipart", ct: "multipart/form-data; boundary=x", body: "a=1", desc: "form-urlencoded"},
		{name: "two types", ct: formType + ", application/json", body: "a=1", desc: "form-urlencoded"},
		{name: "form prefix only", ct: formType + "x", body: "a=1", desc: "form-urlencoded"},
		{name: "other charset", ct: formType + "; charset=ISO-8859-1", body: "a=1", desc: "UTF-8"},
		{name: "malformed parameter", ct: formType + "; charset", body: "a=1", desc: "form-urlencoded"},
		{name: "too large", ct: formType, body: "a=" + strings.Repeat("x", oauth.MaxBody-1), desc: "larger than 16384 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oauth.Parse(tt.ct, []byte(tt.body))
			if tt.want != nil {
				if err != nil || got == nil || !maps.Equal(got, tt.want) {
					t.Fatalf("Parse = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if got != nil {
				t.Fatalf("Parse = %q, want a refusal", got)
			}
			e := asError(t, err, http.StatusBadRequest, "invalid_request")
			if !strings.Contains(e.Description, tt.desc) {
				t.Fatalf("description %q does not mention %q", e.Description, tt.desc)
			}
			assertDescriptionChars(t, e.Description)
		})
	}
}

// assertDescriptionChars checks RFC 6749's error_description set.
func assertDescriptionChars(t testing.TB, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			t.Fatalf("description %q holds %q, outside RFC 6749's set", s, c)
		}
	}
}

// basicHeader builds a client_secret_basic header the RFC 6749 way.
func basicHeader(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestBasicAuth(t *testing.T) {
	tests := []struct {
		name       string
		header     string
		id, secret string
		ok         bool
		malformed  bool
	}{
		{name: "absent", header: ""},
		{name: "blank", header: "   "},
		{name: "bearer", header: "Bearer tgk_abc"},
		{name: "other scheme", header: "Digest username=x"},
		{name: "scheme prefix", header: "Basicx " + b64("a:b")},
		{name: "plain", header: basicHeader("client-1", "tgc_secret"), id: "client-1", secret: "tgc_secret", ok: true},
		{name: "lowercase scheme", header: "basic " + b64("a:b"), id: "a", secret: "b", ok: true},
		{name: "uppercase scheme", header: "BASIC " + b64("a:b"), id: "a", secret: "b", ok: true},
		{name: "extra spaces", header: "  Basic   " + b64("a:b") + " ", id: "a", secret: "b", ok: true},
		{name: "colon in id and secret", header: basicHeader("urn:x:client", "p:a:ss"), id: "urn:x:client", secret: "p:a:ss", ok: true},
		{name: "percent and plus", header: basicHeader("a%b+c", "100% +sure"), id: "a%b+c", secret: "100% +sure", ok: true},
		{name: "raw colon in secret", header: "Basic " + b64("id:a:b"), id: "id", secret: "a:b", ok: true},
		{name: "plus is a space", header: "Basic " + b64("my+app:s+t"), id: "my app", secret: "s t", ok: true},
		{name: "UTF-8", header: basicHeader("é", "✓"), id: "é", secret: "✓", ok: true},
		{name: "empty secret", header: "Basic " + b64("id:"), id: "id", secret: "", ok: true},

		{name: "no credentials", header: "Basic", malformed: true},
		{name: "no credentials, space", header: "Basic   ", malformed: true},
		{name: "missing colon", header: "Basic " + b64("idsecret"), malformed: true},
		{name: "empty id", header: "Basic " + b64(":secret"), malformed: true},
		{name: "bad base64", header: "Basic !!!!", malformed: true},
		{name: "base64 without padding", header: "Basic " + strings.TrimRight(b64("a:bc"), "="), malformed: true},
		{name: "base64url", header: "Basic " + base64.URLEncoding.EncodeToString([]byte("a:\xfb\xff")), malformed: true},
		{name: "non-canonical base64", header: "Basic YTpi" + "Yx==", malformed: true},
		{name: "newline inside", header: "Basic YTpi\nYw==", malformed: true},
		{name: "two tokens", header: "Basic " + b64("a:b") + " " + b64("c:d"), malformed: true},
		{name: "bad escape in id", header: "Basic " + b64("a%zz:b"), malformed: true},
		{name: "bad escape in secret", header: "Basic " + b64("a:b%"), malformed: true},
		{name: "invalid UTF-8", header: "Basic " + b64("a:%ff"), malformed: true},
		{name: "invalid UTF-8 raw", header: "Basic " + b64("\xc3:b"), malformed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, secret, ok, err := oauth.BasicAuth(tt.header)
			if tt.malformed {
				e := asError(t, err, http.StatusUnauthorized, "invalid_client")
				if !ok || id != "" || secret != "" || !e.Basic || e.Description != "Bad credentials" || !errors.Is(err, oauth.ErrBasicAuth) {
					t.Fatalf("BasicAuth = %q, %q, %v, %+v; want ok, a Basic invalid_client wrapping ErrBasicAuth", id, secret, ok, e)
				}
				return
			}
			if err != nil || ok != tt.ok || id != tt.id || secret != tt.secret {
				t.Fatalf("BasicAuth = %q, %q, %v, %v; want %q, %q, %v", id, secret, ok, err, tt.id, tt.secret, tt.ok)
			}
		})
	}
}

func TestBasicAuthErrorHidesCredentials(t *testing.T) {
	for _, h := range []string{"Basic " + b64("supersecretvalue"), "Basic " + b64("id:supersecret%zz")} {
		_, _, _, err := oauth.BasicAuth(h)
		if err == nil || strings.Contains(err.Error(), "supersecret") {
			t.Fatalf("BasicAuth(%q) error = %v", h, err)
		}
		if r := oauth.ErrorResponse(err); strings.Contains(r.Body, "supersecret") || r.Body != `{"error":"invalid_client","error_description":"Bad credentials"}` {
			t.Fatalf("response body = %s", r.Body)
		}
	}
}
