package oauth_test

import (
	"encoding/base64"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/tollgate/tollgate/shared/oauth"
)

// FuzzParse: Parse never panics; what it refuses is a 400 invalid_request
// with a description in RFC 6749's set; what it accepts is non-empty
// UTF-8 names with UTF-8 values, and re-encoding and re-parsing it gives
// the same map.
func FuzzParse(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{formType, "grant_type=client_credentials&scope=a%3Aread+b"},
		{formType, "grant_type=refresh_token&refresh_token=tgr_abc"},
		{formType + "; charset=UTF-8", "a=&b&&c=%C3%A9"},
		{formType, "a=1&a=2"},
		{formType, "a=%zz&b=%4"},
		{formType, "=x"},
		{formType, "n=\xc3\x28"},
		{formType, "a=1;b=2"},
		{formType, ""},
		{"application/json", `{"grant_type":"client_credentials"}`},
		{"", "a=1"},
		{"text/plain; charset=latin1", "a=1"},
		{formType + "; charset", "a=1"},
	} {
		f.Add(s.ct, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		got, err := oauth.Parse(ct, body)
		if err != nil {
			var e *oauth.Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Code != "invalid_request" || got != nil {
				t.Fatalf("Parse = %v, %v; want nil, a 400 invalid_request", got, err)
			}
			assertDescriptionChars(t, e.Description)
			return
		}
		if len(body) > oauth.MaxBody {
			t.Fatalf("accepted a body of %d bytes", len(body))
		}
		v := url.Values{}
		for k, val := range got {
			if k == "" || !utf8.ValidString(k) || !utf8.ValidString(val) {
				t.Fatalf("accepted name %q value %q", k, val)
			}
			v.Set(k, val)
		}
		again, err := oauth.Parse(formType, []byte(v.Encode()))
		if err != nil || !maps.Equal(again, got) {
			t.Fatalf("re-parsing %q = %q, %v; want %q", v.Encode(), again, err, got)
		}
	})
}

// FuzzBasicAuth: BasicAuth never panics; no error without ok; an error is
// the Basic invalid_client answer; accepted credentials are UTF-8 with a
// non-empty id, and encoding them back the RFC 6749 way reads the same.
func FuzzBasicAuth(f *testing.F) {
	for _, s := range []string{
		"", "Bearer x", "Basic", "Basic ", "basic YTpi", "Basic YTpi", "Basic YTpiYx==",
		basicHeader("urn:x:client", "p:a%ss+"), basicHeader("é", "✓"), "Basic " + b64(":x"), "Basic " + b64("a%zz:b"),
		"Basic YTpi\nYw==", "Basic !!!", "  BASIC\t" + b64("a:b"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		id, secret, ok, err := oauth.BasicAuth(h)
		switch {
		case err != nil:
			var e *oauth.Error
			if !ok || !errors.As(err, &e) || e.Status != http.StatusUnauthorized || e.Code != "invalid_client" || !e.Basic ||
				!errors.Is(err, oauth.ErrBasicAuth) || id != "" || secret != "" {
				t.Fatalf("BasicAuth(%q) = %q, %q, %v, %v", h, id, secret, ok, err)
			}
		case !ok:
			if id != "" || secret != "" {
				t.Fatalf("BasicAuth(%q) = %q, %q without ok", h, id, secret)
			}
		default:
			if id == "" || !utf8.ValidString(id) || !utf8.ValidString(secret) {
				t.Fatalf("BasicAuth(%q) accepted %q, %q", h, id, secret)
			}
			enc := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
			id2, secret2, ok2, err2 := oauth.BasicAuth(enc)
			if id2 != id || secret2 != secret || !ok2 || err2 != nil {
				t.Fatalf("re-encoded %q = %q, %q, %v, %v; want %q, %q", enc, id2, secret2, ok2, err2, id, secret)
			}
		}
	})
}
