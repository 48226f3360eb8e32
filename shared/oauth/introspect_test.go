package oauth_test

import (
	"encoding/json"
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

// introspecting is a client allowed to introspect: its id and secret.
type introspecting struct{ id, secret string }

// introspector is a client of the admin holding tokens:introspect.
func (f *fixture) introspector(t *testing.T) introspecting {
	t.Helper()
	c, sec := f.client(t, "admin", scope.Set{oauth.ScopeIntrospect})
	return introspecting{c.ID, sec}
}

func introspectReq(body string, headers ...string) events.APIGatewayProxyRequest {
	return event("POST", "/oauth/introspect", body, headers...)
}

// introspect asks about tok as c and returns the 200 answer's members.
func (f *fixture) introspect(t *testing.T, c introspecting, tok string) map[string]any {
	t.Helper()
	a := f.call(t, introspectReq(form("token", tok), basic(c.id, c.secret)))
	if a.StatusCode != http.StatusOK {
		t.Fatalf("introspection answered %d: %s", a.StatusCode, a.Body)
	}
	for k, want := range map[string]string{"Cache-Control": "no-store", "Content-Type": "application/json"} {
		if got := a.Headers[k]; got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var out map[string]any
	must(t, json.Unmarshal([]byte(a.Body), &out))
	return out
}

func TestIntrospection(t *testing.T) {
	f := newFixture(t)
	rs := f.introspector(t)
	alice := f.users["alice"].ID
	k, key := f.apiKey(t, "alice", scope.Set{"echo:read"}, 24*time.Hour)
	s, jwt := f.personalJWT(t, "alice", 24*time.Hour)
	c, sec := f.client(t, "alice", scope.Set{"files:read"})
	clientToken := f.ok(t, basicGrant(c.ID, sec)).str(t, "access_token")
	_, rt := f.family(t, "alice", nil, time.Hour, time.Hour)
	refreshed := f.ok(t, exchange(rt)).str(t, "access_token")
	p := newProver(t)
	bound := f.ok(t, withProofs(basicGrant(c.ID, sec), f.proof(t, p, "POST", tokenURL, f.clock.Now()))).str(t, "access_token")
	now := f.clock.Now().Unix()
	keyExp := float64(k.ExpiresAt.Unix())

	for _, tc := range []struct {
		name, token string
		want        map[string]any // nil: {"active":false}
	}{
		{"API key", key, map[string]any{"active": true, "sub": alice, "scope": "echo:read", "exp": keyExp, "iat": float64(now),
			"token_type": "Bearer", "credential_type": "api_key", "credential_id": k.ID}},
		{"personal JWT", jwt, map[string]any{"active": true, "sub": alice, "scope": "echo:read echo:write files:read",
			"exp": float64(s.ExpiresAt.Unix()), "iat": float64(now), "token_type": "Bearer", "credential_type": "jwt",
			"credential_id": s.ID, "aud": audience, "iss": issuer}},
		{"client access token", clientToken, map[string]any{"active": true, "sub": c.ID, "scope": "files:read",
			"exp": float64(now + 3600), "iat": float64(now), "token_type": "Bearer", "credential_type": "access_token",
			"credential_id": c.ID, "client_id": c.ID, "aud": audience, "iss": issuer}},
		{"refresh-grant access token", refreshed, map[string]any{"active": true, "sub": alice,
			"scope": "echo:read echo:write files:read", "exp": float64(now + 3600), "iat": float64(now), "token_type": "Bearer",
			"credential_type": "access_token", "aud": audience, "iss": issuer}},
		{"DPoP-bound client access token", bound, map[string]any{"active": true, "sub": c.ID, "scope": "files:read",
			"exp": float64(now + 3600), "iat": float64(now), "token_type": "DPoP", "credential_type": "access_token",
			"credential_id": c.ID, "client_id": c.ID, "aud": audience, "iss": issuer, "cnf": map[string]any{"jkt": p.JKT()}}},
		{"a refresh token", rt, nil},
		{"a client secret", sec, nil},
		{"a broken checksum", flipLast(key), nil},
		{"garbage", "x.y.z", nil},
		{"a SAS of no one", "SharedAccessSignature uid=nobody&ex=2030-01-01T00:00:00.0000000Z&sn=AAAA", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := f.introspect(t, rs, tc.token)
			want := tc.want
			if want == nil {
				want = map[string]any{"active": false}
			}
			if tc.name == "refresh-grant access token" { // its family's id is not known here
				delete(got, "credential_id")
			}
			if !equalJSON(got, want) {
				t.Errorf("introspection = %v\nwant %v", got, want)
			}
		})
	}

	t.Run("owner disabled", func(t *testing.T) {
		f.setUser(t, "alice", func(u *user.User) { u.Disabled = true })
		defer f.setUser(t, "alice", func(u *user.User) { u.Disabled = false })
		for _, tok := range []string{key, jwt, clientToken} {
			if got := f.introspect(t, rs, tok); got["active"] != false {
				t.Errorf("a disabled owner's token: %v", got)
			}
		}
	})
	t.Run("deactivated key", func(t *testing.T) {
		stored, err := f.store.GetKey(t.Context(), project, k.ID)
		must(t, err)
		stored.Status = apikey.Inactive
		must(t, f.store.UpdateKey(t.Context(), stored))
		if got := f.introspect(t, rs, key); got["active"] != false {
			t.Errorf("an inactive key: %v", got)
		}
	})
	t.Run("expired", func(t *testing.T) {
		f.clock.Advance(25 * time.Hour)
		if got := f.introspect(t, rs, jwt); got["active"] != false {
			t.Errorf("an expired JWT: %v", got)
		}
	})
}

func TestIntrospectionClient(t *testing.T) {
	f := newFixture(t)
	rs := f.introspector(t)
	without, withoutSec := f.client(t, "alice", scope.Set{"echo:read"})
	_, key := f.apiKey(t, "alice", nil, time.Hour)
	f.setUser(t, "carol", func(u *user.User) { u.Scopes = append(u.Scopes, oauth.ScopeIntrospect) })
	for _, tc := range []struct {
		name   string
		req    events.APIGatewayProxyRequest
		status int
		code   string
	}{
		{"no client authentication", introspectReq(form("token", key)), 401, "invalid_client"},
		{"wrong secret", introspectReq(form("token", key), basic(rs.id, flipLast(rs.secret))), 401, "invalid_client"},
		{"unknown client", introspectReq(form("token", key, "client_id", "cli_nobody", "client_secret", rs.secret)), 401, "invalid_client"},
		{"a client without tokens:introspect", introspectReq(form("token", key), basic(without.ID, withoutSec)), 403, "insufficient_scope"},
		{"a user's password", introspectReq(form("token", key), basic("carol", carolPW)), 401, "invalid_client"},
		{"no token", introspectReq(form("token_type_hint", "access_token"), basic(rs.id, rs.secret)), 400, "invalid_request"},
		{"a JSON body", introspectReq(`{"token":"x"}`, basic(rs.id, rs.secret), "Content-Type: application/json"), 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.call(t, tc.req).wantError(t, tc.status, tc.code)
		})
	}
	if got := f.introspect(t, rs, key); got["active"] != true || got["credential_type"] != string(credential.TypeAPIKey) {
		t.Errorf("introspection = %v", got)
	}
}

// equalJSON compares two decoded JSON objects.
func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
