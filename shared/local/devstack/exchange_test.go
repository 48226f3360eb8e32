package devstack_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/tollgate/tollgate/shared/config"
)

const tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
const accessTokenType = "urn:ietf:params:oauth:token-type:access_token"

// TestTokenExchange exchanges an API key and a personal JWT for access
// tokens over real HTTP, uses them through the authorizer, and revokes
// the subjects.
func TestTokenExchange(t *testing.T) {
	const orders = "https://orders.example.test"
	url0, admin, _ := stack(t, func(c *config.Config) { c.ExchangeAudiences = []string{orders} })
	c := client{t, url0}
	aliceID, key := alice(t, c, admin)
	keyID := c.want(200, "GET", "/v1/whoami", "x-api-key: "+key, "")["credentialId"].(string)
	j := c.want(201, "POST", "/v1/tokens/jwt", "x-api-key: "+key, `{"name":"laptop"}`)

	for _, sub := range []struct{ name, token, id, revoke, path string }{
		{"API key", key, keyID, `{"status":"inactive"}`, "/v1/keys/" + keyID},
		{"personal JWT", j["token"].(string), j["tokenId"].(string), "", "/v1/tokens/jwt/" + j["tokenId"].(string)},
	} {
		t.Run(sub.name, func(t *testing.T) {
			exchange := func(kv ...string) (int, map[string]any) {
				v := url.Values{"grant_type": {tokenExchange}, "subject_token": {sub.token}, "subject_token_type": {accessTokenType}}
				for i := 0; i < len(kv); i += 2 {
					v.Set(kv[i], kv[i+1])
				}
				status, body, h := c.form("/oauth/token", "", v)
				if h.Get("Cache-Control") != "no-store" {
					t.Errorf("Cache-Control = %q", h.Get("Cache-Control"))
				}
				return status, body
			}
			status, tok := exchange("scope", "echo:read")
			if status != 200 || tok["issued_token_type"] != accessTokenType || tok["token_type"] != "Bearer" ||
				tok["expires_in"].(float64) > 3600 || tok["scope"] != "echo:read" {
				t.Fatalf("exchange: %d %v", status, tok)
			}
			at := "Authorization: Bearer " + tok["access_token"].(string)
			who := c.want(200, "GET", "/v1/whoami", at, "")
			if who["credentialType"] != "access_token" || who["credentialId"] != sub.id || who["principalId"] != aliceID || who["scopes"] != "echo:read" {
				t.Fatalf("whoami = %v", who)
			}
			c.want(403, "GET", "/v1/keys", at, "") // narrowed to echo:read

			if status, body := exchange("scope", "users:admin"); status != 400 || body["error"] != "invalid_scope" {
				t.Errorf("widening: %d %v", status, body)
			}
			// A token for another audience is not accepted at the gate.
			status, other := exchange("audience", orders)
			if status != 200 {
				t.Fatalf("exchange for %s: %d %v", orders, status, other)
			}
			c.want(401, "GET", "/v1/whoami", "Authorization: Bearer "+other["access_token"].(string), "")
			// The downstream service verifies it offline, with an independent
			// JOSE library, through the JWKS.
			set, err := jwk.Fetch(context.Background(), url0+"/.well-known/jwks.json")
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := jwxjwt.Parse([]byte(other["access_token"].(string)), jwxjwt.WithKeySet(set), jwxjwt.WithValidate(true),
				jwxjwt.WithIssuer(url0), jwxjwt.WithAudience(orders))
			if err != nil {
				t.Fatalf("jwx refused the exchanged token: %v", err)
			}
			if sub, _ := parsed.Subject(); sub != aliceID {
				t.Errorf("sub = %s, want %s", sub, aliceID)
			}
			if _, err := jwxjwt.Parse([]byte(other["access_token"].(string)), jwxjwt.WithKeySet(set), jwxjwt.WithValidate(true),
				jwxjwt.WithIssuer(url0), jwxjwt.WithAudience(url0)); err == nil {
				t.Error("jwx accepted the exchanged token for the gate's audience")
			}

			if sub.revoke != "" {
				c.want(200, "PATCH", sub.path, "x-api-key: "+admin, sub.revoke)
			} else {
				c.want(204, "DELETE", sub.path, "x-api-key: "+admin, "")
			}
			c.want(401, "GET", "/v1/whoami", at, "")
			if status, body := exchange(); status != 400 || body["error"] != "invalid_request" {
				t.Errorf("exchange of a revoked subject: %d %v", status, body)
			}
		})
	}
}

// TestIntrospection asks about every kind of token over real HTTP as a
// client holding tokens:introspect.
func TestIntrospection(t *testing.T) {
	url0, admin, _ := stack(t)
	c := client{t, url0}
	aliceID, key := alice(t, c, admin)
	rs := c.want(201, "POST", "/v1/clients", "x-api-key: "+admin, `{"name":"orders","scopes":["tokens:introspect"]}`)
	plain := c.want(201, "POST", "/v1/clients", "x-api-key: "+admin, `{"name":"other","scopes":["echo:read"]}`)
	introspect := func(id, secret, token string) (int, map[string]any) {
		status, body, h := c.form("/oauth/introspect", "", url.Values{"token": {token}, "client_id": {id}, "client_secret": {secret}})
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", h.Get("Cache-Control"))
		}
		return status, body
	}
	ask := func(token string) map[string]any {
		t.Helper()
		status, body := introspect(rs["clientId"].(string), rs["clientSecret"].(string), token)
		if status != 200 {
			t.Fatalf("introspection: %d %v", status, body)
		}
		return body
	}

	in := ask(key)
	if in["active"] != true || in["sub"] != aliceID || in["credential_type"] != "api_key" || in["token_type"] != "Bearer" ||
		in["scope"] != "credentials:read credentials:write echo:read" {
		t.Errorf("API key: %v", in)
	}
	sas := c.want(200, "GET", "/v1/sas", "x-api-key: "+admin, "")
	expiry := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tok := c.want(200, "POST", "/v1/sas/token", "x-api-key: "+admin, `{"expiry":"`+expiry+`","key":"primary"}`)["token"].(string)
	if in := ask(tok); in["active"] != true || in["credential_type"] != "sas" || in["credential_id"] != sas["identifier"] ||
		in["token_type"] != "SharedAccessSignature" || in["exp"] == nil {
		t.Errorf("SAS: %v", in)
	}
	status, at, _ := c.form("/oauth/token", "", url.Values{"grant_type": {"client_credentials"},
		"client_id": {plain["clientId"].(string)}, "client_secret": {plain["clientSecret"].(string)}})
	if status != 200 {
		t.Fatalf("client_credentials: %d %v", status, at)
	}
	if in := ask(at["access_token"].(string)); in["active"] != true || in["client_id"] != plain["clientId"] || in["credential_type"] != "access_token" {
		t.Errorf("client's access token: %v", in)
	}
	if in := ask("tgk_" + "not-a-key"); len(in) != 1 || in["active"] != false {
		t.Errorf("garbage: %v", in)
	}

	c.want(200, "PATCH", "/v1/sas", "x-api-key: "+admin, `{"enabled":false}`)
	if in := ask(tok); in["active"] != false {
		t.Errorf("SAS of a disabled credential: %v", in)
	}
	if status, body := introspect(plain["clientId"].(string), plain["clientSecret"].(string), key); status != 403 || body["error"] != "insufficient_scope" {
		t.Errorf("a client without tokens:introspect: %d %v", status, body)
	}
	if status, body := introspect(rs["clientId"].(string), "tgc_wrong", key); status != 401 || body["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", status, body)
	}
}
