package oauth_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/user"
)

// apiKey stores an API key of owner granted scopes (nil: inherits),
// expiring after life, and returns it with its secret.
func (f *fixture) apiKey(t *testing.T, owner string, scopes scope.Set, life time.Duration) (apikey.Key, string) {
	t.Helper()
	now := f.clock.Now()
	exp := now.Add(life)
	k, sec, err := apikey.New(project, f.users[owner].ID, "ci", scopes, now, &exp, "")
	must(t, err)
	must(t, f.store.CreateKey(context.Background(), k))
	f.remember(sec)
	return k, sec
}

// exchangeReq is a token exchange of subject, with more form pairs kv.
func exchangeReq(subject string, kv ...string) events.APIGatewayProxyRequest {
	return tokenReq(form(append([]string{"grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
		"subject_token", subject, "subject_token_type", oauth.TokenTypeAccess}, kv...)...))
}

// subject is a credential a token exchange starts from, and how to revoke it.
type subject struct {
	name, token, id string
	revoke          func(t *testing.T)
}

// subjects are an API key (inheriting alice's scopes, deactivated to
// revoke) and a personal JWT of alice (granted echo:read, revoked).
func (f *fixture) subjects(t *testing.T) []subject {
	k, key := f.apiKey(t, "alice", nil, 24*time.Hour)
	s, jwt := f.personalJWT(t, "alice", 24*time.Hour)
	return []subject{
		{"API key", key, k.ID, func(t *testing.T) {
			stored, err := f.store.GetKey(context.Background(), project, k.ID)
			must(t, err)
			stored.Status = apikey.Inactive
			must(t, f.store.UpdateKey(context.Background(), stored))
		}},
		{"personal JWT", jwt, s.ID, func(t *testing.T) {
			must(t, f.store.RevokeSession(context.Background(), project, s.ID, f.clock.Now()))
		}},
	}
}

func TestExchangeRoundTrip(t *testing.T) {
	f := newFixture(t)
	introspector := f.introspector(t)
	for _, sub := range f.subjects(t) {
		t.Run(sub.name, func(t *testing.T) {
			a := f.ok(t, exchangeReq(sub.token, "scope", "echo:read"))
			if got := a.str(t, "issued_token_type"); got != oauth.TokenTypeAccess {
				t.Errorf("issued_token_type = %s", got)
			}
			if in := a.num(t, "expires_in"); in != int64(oauth.ExchangeTTL/time.Second) {
				t.Errorf("expires_in = %d, want %d", in, int64(oauth.ExchangeTTL/time.Second))
			}
			c := a.claims
			if c.Subject != f.users["alice"].ID || c.SessionID != sub.id || c.Audience != audience || c.Scope != "echo:read" {
				t.Errorf("claims sub %s sid %s aud %s scope %q, want alice's, %s, %s, echo:read", c.Subject, c.SessionID, c.Audience, c.Scope, sub.id, audience)
			}
			at := a.str(t, "access_token")
			in := f.introspect(t, introspector, at)
			if in["active"] != true || in["credential_type"] != string(credential.TypeAccessToken) || in["credential_id"] != sub.id || in["scope"] != "echo:read" {
				t.Errorf("introspection of the exchanged token: %v", in)
			}

			sub.revoke(t)
			if in := f.introspect(t, introspector, at); in["active"] != false || len(in) != 1 {
				t.Errorf("exchanged token after its subject was revoked: %v, want {active:false}", in)
			}
			f.call(t, exchangeReq(sub.token)).wantError(t, http.StatusBadRequest, "invalid_request")
		})
	}
}

func TestExchangeScopes(t *testing.T) {
	f := newFixture(t)
	_, key := f.apiKey(t, "alice", scope.Set{"echo:read", "files:read"}, 24*time.Hour)
	_, jwt := f.personalJWT(t, "alice", 24*time.Hour) // inherits alice's scopes
	for _, tc := range []struct {
		name, subject, scope string
		want                 string // the scope granted; "" for invalid_scope
	}{
		{"key, all it holds", key, "", "echo:read files:read"},
		{"key, narrowed", key, "files:read", "files:read"},
		{"key, beyond the key's grant", key, "echo:write", ""},
		{"key, beyond the owner", key, "admin:all", ""},
		{"key, every scope", key, "*", ""},
		{"personal JWT, all it holds", jwt, "", "echo:read echo:write files:read"},
		{"personal JWT, narrowed", jwt, "echo:write", "echo:write"},
		{"personal JWT, widened", jwt, "echo:read admin:all", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var kv []string
			if tc.scope != "" {
				kv = []string{"scope", tc.scope}
			}
			a := f.call(t, exchangeReq(tc.subject, kv...))
			if tc.want == "" {
				a.wantError(t, http.StatusBadRequest, "invalid_scope")
				return
			}
			a.wantOK(t)
			if got := a.str(t, "scope"); got != tc.want {
				t.Errorf("scope = %q, want %q", got, tc.want)
			}
		})
	}

	// At use, the token holds no more than its subject holds now.
	introspector := f.introspector(t)
	at := f.ok(t, exchangeReq(key)).str(t, "access_token")
	f.setUser(t, "alice", func(u *user.User) { u.Scopes = scope.Set{"files:read"} })
	if in := f.introspect(t, introspector, at); in["scope"] != "files:read" {
		t.Errorf("after alice lost echo:read, the exchanged token holds %v", in["scope"])
	}
}

func TestExchangeLifetime(t *testing.T) {
	f := newFixture(t)
	_, jwt := f.personalJWT(t, "alice", 10*time.Minute)
	if in := f.ok(t, exchangeReq(jwt)).num(t, "expires_in"); in != 600 {
		t.Errorf("expires_in = %d, want the subject's remaining 600 s", in)
	}
}

func TestExchangeAudience(t *testing.T) {
	f := newFixture(t)
	_, key := f.apiKey(t, "alice", nil, 24*time.Hour)
	a := f.ok(t, exchangeReq(key, "audience", orders))
	if a.claims.Audience != orders {
		t.Errorf("aud = %s, want %s", a.claims.Audience, orders)
	}
	if a := f.ok(t, exchangeReq(key, "audience", audience)); a.claims.Audience != audience {
		t.Errorf("aud = %s, want %s", a.claims.Audience, audience)
	}
	f.call(t, exchangeReq(key, "audience", "https://evil.example.test")).wantError(t, http.StatusBadRequest, "invalid_target")
}

func TestExchangeRefusals(t *testing.T) {
	f := newFixture(t)
	_, key := f.apiKey(t, "alice", nil, 24*time.Hour)
	c, sec := f.client(t, "alice", scope.Set{"echo:read"})
	clientToken := f.ok(t, basicGrant(c.ID, sec)).str(t, "access_token")
	_, rt := f.family(t, "alice", nil, time.Hour, time.Hour)
	exchanged := f.ok(t, exchangeReq(key)).str(t, "access_token")
	exp := f.clock.Now().Add(time.Hour)
	inactive, inactiveKey, err := apikey.New(project, f.users["alice"].ID, "old", nil, f.clock.Now(), &exp, "")
	must(t, err)
	inactive.Status = apikey.Inactive
	must(t, f.store.CreateKey(context.Background(), inactive))
	f.remember(inactiveKey)

	grant := "urn:ietf:params:oauth:grant-type:token-exchange"
	for _, tc := range []struct {
		name   string
		req    events.APIGatewayProxyRequest
		status int
		code   string
	}{
		{"no subject_token", tokenReq(form("grant_type", grant, "subject_token_type", oauth.TokenTypeAccess)), 400, "invalid_request"},
		{"no subject_token_type", tokenReq(form("grant_type", grant, "subject_token", key)), 400, "invalid_request"},
		{"a JWT subject_token_type", tokenReq(form("grant_type", grant, "subject_token", key,
			"subject_token_type", "urn:ietf:params:oauth:token-type:jwt")), 400, "invalid_request"},
		{"a refresh token requested", exchangeReq(key, "requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token"), 400, "invalid_request"},
		{"an actor", exchangeReq(key, "actor_token", key, "actor_token_type", oauth.TokenTypeAccess), 400, "invalid_request"},
		{"a resource", exchangeReq(key, "resource", orders), 400, "invalid_target"},
		{"client authentication", tokenReq(form("grant_type", grant, "subject_token", key, "subject_token_type", oauth.TokenTypeAccess),
			basic(c.ID, sec)), 400, "invalid_request"},
		{"a client_id", exchangeReq(key, "client_id", c.ID), 400, "invalid_request"},
		{"a client's access token", exchangeReq(clientToken), 400, "invalid_request"},
		{"an exchanged token", exchangeReq(exchanged), 400, "invalid_request"},
		{"a refresh token", exchangeReq(rt), 400, "invalid_request"},
		{"a client secret", exchangeReq(sec), 400, "invalid_request"},
		{"an inactive key", exchangeReq(inactiveKey), 400, "invalid_request"},
		{"a key with a broken checksum", exchangeReq(flipLast(key)), 400, "invalid_request"},
		{"garbage", exchangeReq("not a token"), 400, "invalid_request"},
		{"a repeated subject_token", tokenReq(form("grant_type", grant, "subject_token", key, "subject_token", key,
			"subject_token_type", oauth.TokenTypeAccess)), 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := f.call(t, tc.req)
			a.wantError(t, tc.status, tc.code)
			if a.writes != 0 {
				t.Errorf("a refused exchange wrote %d times", a.writes)
			}
		})
	}

	f.setUser(t, "alice", func(u *user.User) { u.Disabled = true })
	f.call(t, exchangeReq(key)).wantError(t, http.StatusBadRequest, "invalid_request")
}
