package devstack_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/tollgate/tollgate/shared/config"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// form posts an OAuth form; auth is a whole header line or "".
func (c client) form(path, auth string, values url.Values) (int, map[string]any, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.url+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if name, value, ok := strings.Cut(auth, ": "); ok {
		req.Header.Set(name, value)
	}
	return c.send(req)
}

// alice creates a credential-issuing user and returns an API key of hers.
func alice(t *testing.T, c client, admin string) (userID, key string) {
	t.Helper()
	u := c.want(201, "POST", "/v1/users", "x-api-key: "+admin,
		`{"username":"alice","roles":["credential-issuer"],"scopes":["credentials:read","credentials:write","echo:read"]}`)
	k := c.want(201, "POST", "/v1/keys", "x-api-key: "+admin, `{"name":"alice","owner":"`+u["userId"].(string)+`"}`)
	return u["userId"].(string), k["key"].(string)
}

func TestPersonalJWT(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	aliceID, key := alice(t, c, admin)
	j := c.want(201, "POST", "/v1/tokens/jwt", "x-api-key: "+key, `{"name":"laptop","scopes":["echo:read"]}`)
	jwt := j["token"].(string)
	who := c.want(200, "GET", "/v1/whoami", "Authorization: Bearer "+jwt, "")
	if who["credentialType"] != "jwt" || who["principalId"] != aliceID || who["scopes"] != "echo:read" || who["credentialId"] != j["tokenId"] {
		t.Fatalf("whoami = %v", who)
	}
	c.want(403, "GET", "/v1/keys", "Authorization: Bearer "+jwt, "") // echo:read only
	list := c.want(200, "GET", "/v1/tokens/jwt", "x-api-key: "+key, "")
	if items := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["token"] != nil {
		t.Fatalf("list = %v", list)
	}
	if one := c.want(200, "GET", "/v1/tokens/jwt/"+j["tokenId"].(string), "x-api-key: "+key, ""); one["tokenId"] != j["tokenId"] || one["token"] != nil {
		t.Fatalf("get = %v", one)
	}
	c.want(204, "DELETE", "/v1/tokens/jwt/"+j["tokenId"].(string), "x-api-key: "+key, "")
	c.want(404, "DELETE", "/v1/tokens/jwt/"+j["tokenId"].(string), "x-api-key: "+key, "")
	c.want(401, "GET", "/v1/whoami", "Authorization: Bearer "+jwt, "")
}

func TestRefreshTokenFlow(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	aliceID, key := alice(t, c, admin)
	r := c.want(201, "POST", "/v1/tokens/refresh", "x-api-key: "+key, `{"name":"cli","scopes":["echo:read","credentials:read"],"accessTokenTTL":600}`)
	rt := r["refreshToken"].(string)
	if r["accessTokenTTL"] != float64(600) {
		t.Fatalf("create = %v", r)
	}
	if one := c.want(200, "GET", "/v1/tokens/refresh/"+r["tokenId"].(string), "x-api-key: "+key, ""); one["accessTokenTTL"] != float64(600) || one["refreshToken"] != nil {
		t.Fatalf("get = %v", one)
	}

	status, tok, h := c.form("/oauth/token", "", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if status != 200 || tok["token_type"] != "Bearer" || tok["expires_in"] != float64(600) || tok["refresh_token"] == rt ||
		h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" {
		t.Fatalf("exchange: %d %v %v", status, tok, h)
	}
	at, next := tok["access_token"].(string), tok["refresh_token"].(string)
	who := c.want(200, "GET", "/v1/whoami", "Authorization: Bearer "+at, "")
	if who["credentialType"] != "access_token" || who["principalId"] != aliceID || who["credentialId"] != r["tokenId"] {
		t.Fatalf("whoami = %v", who)
	}

	// A retry within the grace period gets the same successor.
	if status, again, _ := c.form("/oauth/token", "", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); status != 200 || again["refresh_token"] != next {
		t.Fatalf("retry: %d %v", status, again)
	}
	// Narrowing is allowed, widening is not.
	if status, nar, _ := c.form("/oauth/token", "", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {next}, "scope": {"echo:read"}}); status != 200 || nar["scope"] != "echo:read" {
		t.Fatalf("narrow: %d %v", status, nar)
	}
	time.Sleep(testGrace + 50*time.Millisecond)
	// Reuse after the grace period: invalid_grant, the family is revoked,
	// its access tokens stop.
	if status, m, _ := c.form("/oauth/token", "", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); status != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", status, m)
	}
	c.want(401, "GET", "/v1/whoami", "Authorization: Bearer "+at, "")
	if status, m, _ := c.form("/oauth/token", "", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {next}}); status != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("successor after reuse: %d %v", status, m)
	}
}

func TestClientCredentialsWithGolangOAuth2(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	_, key := alice(t, c, admin)
	cl := c.want(201, "POST", "/v1/clients", "x-api-key: "+key, `{"name":"svc","scopes":["echo:read"]}`)
	clientID, secret := cl["clientId"].(string), cl["clientSecret"].(string)

	for _, style := range []struct {
		name  string
		style oauth2.AuthStyle
	}{{"basic", oauth2.AuthStyleInHeader}, {"post", oauth2.AuthStyleInParams}} {
		cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: secret, TokenURL: url + "/oauth/token", AuthStyle: style.style}
		tok, err := cfg.Token(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", style.name, err)
		}
		who := c.want(200, "GET", "/v1/whoami", "Authorization: Bearer "+tok.AccessToken, "")
		if who["principalId"] != clientID || who["credentialType"] != "access_token" || who["scopes"] != "echo:read" {
			t.Fatalf("%s: whoami = %v", style.name, who)
		}
	}
	// Bad credentials: one 401 for a wrong secret and an unknown client,
	// with the Basic challenge when Basic was used; then throttled.
	status, m, h := c.form("/oauth/token", "", map[string][]string{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {"tgc_wrong"}})
	if status != 401 || m["error"] != "invalid_client" || m["error_description"] != "Bad credentials" {
		t.Fatalf("wrong secret: %d %v %v", status, m, h)
	}
	req, _ := http.NewRequest("POST", url+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("cli_00000000000000000", "tgc_nope")
	if status, m, h := c.send(req); status != 401 || m["error"] != "invalid_client" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("unknown client over Basic: %d %v %v", status, m, h)
	}
	var last int
	var lastHeader http.Header
	for range 6 {
		last, _, lastHeader = c.form("/oauth/token", "", map[string][]string{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {"tgc_wrong"}})
	}
	if last != 429 || lastHeader.Get("Retry-After") == "" {
		t.Fatalf("no throttling after repeated failures: %d %v", last, lastHeader)
	}

	// A JSON body is refused, naming the form encoding.
	if status, m, _ := c.do("POST", "/oauth/token", "", `{"grant_type":"client_credentials"}`); status != 400 || m["error"] != "invalid_request" ||
		!strings.Contains(m["error_description"].(string), "form-urlencoded") {
		t.Fatalf("JSON body: %d %v", status, m)
	}
	if status, m, _ := c.form("/oauth/token", "", map[string][]string{"grant_type": {"password"}}); status != 400 || m["error"] != "unsupported_grant_type" {
		t.Fatalf("unknown grant: %d %v", status, m)
	}
}

func TestRevocationEndpoint(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	_, key := alice(t, c, admin)
	r := c.want(201, "POST", "/v1/tokens/refresh", "x-api-key: "+key, `{"name":"cli"}`)
	rt := r["refreshToken"].(string)
	_, tok, _ := c.form("/oauth/token", "", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	at := tok["access_token"].(string)
	for _, unknown := range []string{"nonsense", "tgr_" + strings.Repeat("0", 49), at + "x"} {
		if status, _, _ := c.form("/oauth/revoke", "", map[string][]string{"token": {unknown}}); status != 200 {
			t.Fatalf("revoking %q: %d", unknown, status)
		}
	}
	if status, _, _ := c.form("/oauth/revoke", "", map[string][]string{"token": {tok["refresh_token"].(string)}, "token_type_hint": {"refresh_token"}}); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	c.want(401, "GET", "/v1/whoami", "Authorization: Bearer "+at, "")
}

func TestWellKnown(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	meta := c.want(200, "GET", "/.well-known/oauth-authorization-server", "", "")
	if meta["issuer"] != url || meta["token_endpoint"] != url+"/oauth/token" || meta["jwks_uri"] != url+"/.well-known/jwks.json" {
		t.Fatalf("metadata = %v", meta)
	}
	jwks := c.want(200, "GET", "/.well-known/jwks.json", "", "")
	if keys := jwks["keys"].([]any); len(keys) == 0 {
		t.Fatalf("jwks = %v", jwks)
	}

	// An independent library verifies our tokens with the keys it fetches
	// from the JWKS URL.
	_, key := alice(t, c, admin)
	tok := c.want(201, "POST", "/v1/tokens/jwt", "x-api-key: "+key, `{"name":"interop"}`)["token"].(string)
	set, err := jwk.Fetch(context.Background(), url+"/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwxjwt.Parse([]byte(tok), jwxjwt.WithKeySet(set), jwxjwt.WithValidate(true),
		jwxjwt.WithIssuer(url), jwxjwt.WithAudience(url))
	if err != nil {
		t.Fatalf("jwx refused our token: %v", err)
	}
	if sub, _ := parsed.Subject(); sub == "" {
		t.Fatal("no subject")
	}
}

func TestPasswordSignIn(t *testing.T) {
	off, admin, _ := stack(t)
	c := client{t, off}
	c.want(400, "POST", "/v1/users", "x-api-key: "+admin, `{"username":"bob","password":"a long enough password"}`)
	if status, m, _ := c.form("/oauth/token", "", map[string][]string{"grant_type": {"client_credentials"}, "client_id": {"admin"}, "client_secret": {"whatever it is"}}); status != 401 || m["error"] != "invalid_client" {
		t.Fatalf("password sign-in while off: %d %v", status, m)
	}

	on, admin, _ := stack(t, func(c *config.Config) { c.PasswordSignIn = true })
	c = client{t, on}
	c.want(400, "POST", "/v1/users", "x-api-key: "+admin, `{"username":"bob","password":"short"}`)
	bob := c.want(201, "POST", "/v1/users", "x-api-key: "+admin, `{"username":"bob","scopes":["echo:read"],"password":"a long enough password"}`)
	if _, leaked := bob["password"]; leaked {
		t.Fatal("the password came back")
	}
	status, tok, _ := c.form("/oauth/token", "", map[string][]string{"grant_type": {"client_credentials"}, "client_id": {"bob"}, "client_secret": {"a long enough password"}})
	if status != 200 || tok["scope"] != "echo:read" {
		t.Fatalf("password sign-in: %d %v", status, tok)
	}
	who := c.want(200, "GET", "/v1/whoami", "Authorization: Bearer "+tok["access_token"].(string), "")
	if who["principalId"] != bob["userId"] || who["credentialType"] != "access_token" {
		t.Fatalf("whoami = %v", who)
	}
	if status, _, _ := c.form("/oauth/token", "", map[string][]string{"grant_type": {"client_credentials"}, "client_id": {"bob"}, "client_secret": {"the wrong password"}}); status != 401 {
		t.Fatalf("wrong password: %d", status)
	}
	c.want(200, "PATCH", "/v1/users/"+bob["userId"].(string), "x-api-key: "+admin, `{"disabled":true}`)
	c.want(401, "GET", "/v1/whoami", "Authorization: Bearer "+tok["access_token"].(string), "")
}
