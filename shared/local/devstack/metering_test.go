package devstack_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/config"
	"golang.org/x/oauth2/clientcredentials"
)

// wantOverLimit sends one more whoami with auth and checks the 403 over a
// limit as API Gateway's ACCESS_DENIED response shows it: the message,
// and, when retry, Retry-After and the RateLimit fields of policy.
func (c client) wantOverLimit(auth, message, policy string, retry bool) {
	c.t.Helper()
	status, body, h := c.do("GET", "/v1/whoami", auth, "")
	if status != 403 || body["message"] != message || h.Get("x-amzn-ErrorType") != "AccessDeniedException" {
		c.t.Fatalf("over the limit: %d %v %v", status, body, h)
	}
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	switch {
	case !retry && h.Get("Retry-After") != "":
		c.t.Fatalf("Retry-After %q for a limit that never frees a count", h.Get("Retry-After"))
	case retry && (err != nil || secs < 1):
		c.t.Fatalf("Retry-After %q, want whole seconds", h.Get("Retry-After"))
	case h.Get("RateLimit-Policy") != policy || !strings.HasPrefix(h.Get("RateLimit"), policy[:strings.Index(policy, ";")]+";r=0"):
		c.t.Fatalf("RateLimit %q, RateLimit-Policy %q; want policy %q", h.Get("RateLimit"), h.Get("RateLimit-Policy"), policy)
	}
}

// TestMeteringThroughTheGateway: a key's rate limit is shared by every way
// of presenting it, and the request over it is API Gateway's 403 with the
// reason and Retry-After, as the Tollgate API maps them.
func TestMeteringThroughTheGateway(t *testing.T) {
	url, admin, _ := stack(t, func(c *config.Config) { c.QueryTokens = true })
	c := client{t, url}
	key := c.want(201, "POST", "/v1/keys", "x-api-key: "+admin,
		`{"name":"metered","rateLimit":{"limit":4,"windowSeconds":3600}}`)["key"].(string)
	for _, auth := range []string{"Authorization: Bearer " + key, "Authorization: apiToken " + key, "x-api-key: " + key} {
		c.want(200, "GET", "/v1/whoami", auth, "")
	}
	c.want(200, "GET", "/v1/whoami?api_token="+key, "", "")
	c.wantOverLimit("x-api-key: "+key, "rate limit exceeded", `"rate";q=4;w=3600`, true)
	c.want(200, "GET", "/v1/whoami", "x-api-key: "+admin, "") // another credential is not held back
}

// TestQuotaAndOwnerLimits: a client's quota holds for the access tokens it
// gets, and a user's rate limit for all of the user's credentials
// together (its API key and its personal JWT).
func TestQuotaAndOwnerLimits(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	_, key := alice(t, c, admin)
	cl := c.want(201, "POST", "/v1/clients", "x-api-key: "+key, `{"name":"svc","scopes":["echo:read"],"quota":{"limit":2}}`)
	cfg := clientcredentials.Config{ClientID: cl["clientId"].(string), ClientSecret: cl["clientSecret"].(string), TokenURL: url + "/oauth/token"}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Authorization: Bearer " + tok.AccessToken
	c.want(200, "GET", "/v1/whoami", bearer, "")
	c.want(200, "GET", "/v1/whoami", bearer, "")
	c.wantOverLimit(bearer, "quota exhausted", `"quota";q=2`, false)

	olive := c.want(201, "POST", "/v1/users", "x-api-key: "+admin, `{"username":"olive","roles":["credential-issuer"],`+
		`"scopes":["credentials:read","credentials:write","echo:read"],"rateLimit":{"limit":3,"windowSeconds":3600}}`)["userId"].(string)
	oliveKey := "x-api-key: " + c.want(201, "POST", "/v1/keys", "x-api-key: "+admin, `{"name":"olive","owner":"`+olive+`"}`)["key"].(string)
	jwt := "Authorization: Bearer " + c.want(201, "POST", "/v1/tokens/jwt", oliveKey, `{"name":"laptop","scopes":["echo:read"]}`)["token"].(string)
	// Creating the JWT was one of olive's three requests.
	c.want(200, "GET", "/v1/whoami", jwt, "")
	c.want(200, "GET", "/v1/whoami", oliveKey, "")
	c.wantOverLimit(jwt, "rate limit exceeded", `"rate";q=3;w=3600`, true)
	c.wantOverLimit(oliveKey, "rate limit exceeded", `"rate";q=3;w=3600`, true)
}
