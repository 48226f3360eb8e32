package oauth_test

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/oauth"
)

// base is what every OAuth answer carries.
var base = map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}

func with(extra map[string]string) map[string]string {
	h := maps.Clone(base)
	maps.Copy(h, extra)
	return h
}

const serverError = `{"error":"server_error","error_description":"internal error"}`

func TestErrorResponse(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		status  int
		body    string
		headers map[string]string
	}{
		{"invalid_request", oauth.InvalidRequest("grant_type is required"), 400,
			`{"error":"invalid_request","error_description":"grant_type is required"}`, base},
		{"invalid_client", oauth.InvalidClient(false), 401,
			`{"error":"invalid_client","error_description":"Bad credentials"}`, base},
		{"invalid_client basic", oauth.InvalidClient(true), 401,
			`{"error":"invalid_client","error_description":"Bad credentials"}`,
			with(map[string]string{"WWW-Authenticate": `Basic realm="tollgate", charset="UTF-8"`})},
		{"invalid_grant", oauth.InvalidGrant("the refresh token is invalid, expired or revoked"), 400,
			`{"error":"invalid_grant","error_description":"the refresh token is invalid, expired or revoked"}`, base},
		{"unauthorized_client", oauth.UnauthorizedClient("not this client's token"), 400,
			`{"error":"unauthorized_client","error_description":"not this client's token"}`, base},
		{"unsupported_grant_type", oauth.UnsupportedGrantType(), 400,
			`{"error":"unsupported_grant_type","error_description":"the grant type is not supported"}`, base},
		{"invalid_scope", oauth.InvalidScope("scope exceeds what was granted"), 400,
			`{"error":"invalid_scope","error_description":"scope exceeds what was granted"}`, base},
		{"too many requests", oauth.TooManyRequests(29500 * time.Millisecond), 429,
			`{"error":"slow_down","error_description":"too many requests; retry after the time in Retry-After"}`,
			with(map[string]string{"Retry-After": "30"})},
		{"wrapped", fmt.Errorf("refresh grant: %w", oauth.InvalidGrant("spent")), 400,
			`{"error":"invalid_grant","error_description":"spent"}`, base},
		{"JSON body refused", mustParseErr(t, "application/json", `{"grant_type":"client_credentials"}`), 400,
			`{"error":"invalid_request","error_description":"the body must be application/x-www-form-urlencoded, not JSON"}`, base},
		{"description outside RFC 6749 set", oauth.InvalidRequest("bad \"x\"\\ é\n"), 400,
			`{"error":"invalid_request","error_description":"bad ?x?? ???"}`, base},
		{"HTML-ish description", oauth.InvalidRequest("a<b>&c"), 400,
			`{"error":"invalid_request","error_description":"a\u003cb\u003e\u0026c"}`, base},

		{"unexpected error", errors.New("dynamodb: table tollgate-prod not found"), 500, serverError, base},
		{"nil error", nil, 500, serverError, base},
		{"nil *Error", (*oauth.Error)(nil), 500, serverError, base},
		{"status not an error", &oauth.Error{Status: 200, Code: "x", Description: "y"}, 500, serverError, base},
		{"empty code", &oauth.Error{Status: 400, Description: "y"}, 500, serverError, base},
		{"code with a quote", &oauth.Error{Status: 400, Code: `a"b`, Description: "y"}, 500, serverError, base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := oauth.ErrorResponse(tt.err)
			if r.StatusCode != tt.status || r.Body != tt.body || !maps.Equal(r.Headers, tt.headers) || r.IsBase64Encoded || len(r.MultiValueHeaders) != 0 {
				t.Fatalf("ErrorResponse = %d %v %s\nwant %d %v %s", r.StatusCode, r.Headers, r.Body, tt.status, tt.headers, tt.body)
			}
		})
	}
}

func mustParseErr(t *testing.T, ct, body string) error {
	t.Helper()
	_, err := oauth.Parse(ct, []byte(body))
	if err == nil {
		t.Fatal("Parse accepted")
	}
	return err
}

func TestRetryAfter(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "1"}, {0, "1"}, {time.Millisecond, "1"}, {time.Second, "1"},
		{time.Second + 1, "2"}, {59 * time.Second, "59"}, {15 * time.Minute, "900"},
		{1<<63 - 1, "9223372037"},
	} {
		r := oauth.ErrorResponse(oauth.TooManyRequests(c.d))
		if r.StatusCode != http.StatusTooManyRequests || r.Headers["Retry-After"] != c.want {
			t.Errorf("TooManyRequests(%v): %d Retry-After %q, want 429 %q", c.d, r.StatusCode, r.Headers["Retry-After"], c.want)
		}
	}
}

func TestTokenResponse(t *testing.T) {
	type token struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	r := oauth.TokenResponse(token{"eyJ.x.y", "Bearer", 3600, "a b"})
	if r.StatusCode != 200 || !maps.Equal(r.Headers, base) ||
		r.Body != `{"access_token":"eyJ.x.y","token_type":"Bearer","expires_in":3600,"scope":"a b"}` {
		t.Fatalf("TokenResponse = %d %v %s", r.StatusCode, r.Headers, r.Body)
	}
	r = oauth.TokenResponse(struct{}{}) // RFC 7009: 200 with an empty answer
	if r.StatusCode != 200 || r.Body != `{}` || !maps.Equal(r.Headers, base) {
		t.Fatalf("TokenResponse(empty) = %d %v %s", r.StatusCode, r.Headers, r.Body)
	}
	r = oauth.TokenResponse(map[string]any{"bad": make(chan int)})
	if r.StatusCode != 500 || r.Body != serverError || !maps.Equal(r.Headers, base) {
		t.Fatalf("TokenResponse(unencodable) = %d %v %s", r.StatusCode, r.Headers, r.Body)
	}
}

func TestErrorString(t *testing.T) {
	if got := oauth.InvalidGrant("spent").Error(); got != "invalid_grant: spent" {
		t.Fatalf("Error() = %q", got)
	}
	_, _, _, err := oauth.BasicAuth("Basic " + b64("nocolon"))
	if got := err.Error(); !strings.HasPrefix(got, "invalid_client: Bad credentials (") || !strings.Contains(got, "no colon") {
		t.Fatalf("Error() = %q, want the public text and the detail for the log", got)
	}
}

func ExampleParse() {
	form, err := oauth.Parse("application/x-www-form-urlencoded; charset=UTF-8",
		[]byte("grant_type=client_credentials&scope=echo%3Aread+keys%3Aread"))
	fmt.Println(form["grant_type"], form["scope"], err)
	_, err = oauth.Parse("application/json", []byte(`{"grant_type":"client_credentials"}`))
	fmt.Println(oauth.ErrorResponse(err).Body)
	// Output:
	// client_credentials echo:read keys:read <nil>
	// {"error":"invalid_request","error_description":"the body must be application/x-www-form-urlencoded, not JSON"}
}

func ExampleBasicAuth() {
	// "my client" and "p%ss" form-urlencoded, joined by ':', then base64.
	id, secret, ok, err := oauth.BasicAuth("Basic bXkrY2xpZW50OnAlMjVzcw==")
	fmt.Printf("%q %q %v %v\n", id, secret, ok, err)
	// Output: "my client" "p%ss" true <nil>
}

func ExampleErrorResponse() {
	r := oauth.ErrorResponse(oauth.InvalidClient(true))
	fmt.Println(r.StatusCode, r.Headers["WWW-Authenticate"], r.Headers["Cache-Control"], r.Body)
	// Output: 401 Basic realm="tollgate", charset="UTF-8" no-store {"error":"invalid_client","error_description":"Bad credentials"}
}
