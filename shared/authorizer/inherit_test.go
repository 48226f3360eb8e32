package authorizer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/devstacktest"
	"github.com/tollgate/tollgate/shared/user"
)

// TestAllScopeClaim: an access token's scope claim "*" (what an admin's
// inheriting session is issued) grants every scope its owner holds now,
// like an explicit holder of every scope; never more than the owner, and
// "*" beside another scope grants nothing.
func TestAllScopeClaim(t *testing.T) {
	const refused = "none" // not among the routes the policy allows
	admin := user.User{ProjectID: project, ID: "usr_admin", Username: "admin", Roles: []string{user.RoleAdmin}, CreatedAt: t0}
	cases := []struct {
		name   string
		kind   credential.Kind
		owner  string // "admin", or "" for the fixture's alice
		claim  string
		scopes string // of the principal
		keys   string // the policy's effect on GET /v1/keys
		users  string // the policy's effect on GET /v1/users
	}{
		{"admin's client", credential.KindClient, "admin", "*", "*", authorizer.Allow, refused}, // a client is never an admin
		{"admin's refresh family", credential.KindRefresh, "admin", "*", "*", authorizer.Allow, authorizer.Allow},
		{"admin's sign-in", credential.KindPassword, "admin", "*", "*", authorizer.Allow, authorizer.Allow},
		{"admin's narrowed token", credential.KindRefresh, "admin", "echo:read", "echo:read", refused, refused},
		{"all beside another scope", credential.KindRefresh, "admin", "* echo:read", "", refused, refused},
		{"a non-admin's claim of all", credential.KindRefresh, "", "*", "credentials:read echo:read", authorizer.Allow, refused},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newJWTFixture(t)
			owner := f.owner
			if c.owner == "admin" {
				owner = admin
				if err := f.store.CreateUser(context.Background(), admin); err != nil {
					t.Fatal(err)
				}
			}
			exp := t0.Add(time.Hour)
			s := credential.Session{ProjectID: project, ID: id.New(string(c.kind)), Kind: c.kind, Owner: owner.ID,
				Name: "n", Status: credential.Active, CreatedAt: t0, ExpiresAt: &exp, NotBefore: t0}
			if err := f.store.CreateSession(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			claims := accesstoken.Claims{Issuer: issuer, Subject: owner.ID, Audience: audience, ExpiresAt: exp.Unix(),
				IssuedAt: t0.Unix(), ID: id.New("at"), Scope: c.claim, SessionID: s.ID}
			bearer := map[string]string{"Authorization": "Bearer " + f.issue(t, claims)}
			resp, err := f.auth.Handle(context.Background(), whoami(bearer))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Context["scopes"] != c.scopes || resp.Context["credentialType"] != "access_token" {
				t.Errorf("context = %v, want scopes %q", resp.Context, c.scopes)
			}
			for route, want := range map[string]string{"/v1/keys": c.keys, "/v1/users": c.users} {
				if got := effect(resp, arnBase+"/GET"+route); got != want {
					t.Errorf("GET %s: %s, want %s", route, got, want)
				}
			}
		})
	}
}

// TestAdminInheritingCredentials: an admin's refresh family or OAuth client
// that inherits the admin's scopes yields access tokens with scope "*",
// which work as the admin's own key does, end to end through the local
// stack: whoami shows every scope, and GET /v1/keys passes the authorizer
// (a client's token then meets the management API's own rule: no
// management route for a client, docs/api.md).
func TestAdminInheritingCredentials(t *testing.T) {
	s := devstacktest.Start(t)
	admin := "Bearer " + s.AdminKey
	cases := []struct {
		name  string
		token func(t *testing.T) map[string]any // the /oauth/token answer
		keys  int                               // the status of GET /v1/keys
	}{
		{"client", func(t *testing.T) map[string]any {
			c := call(t, s.URL, "POST", "/v1/clients", admin, "application/json", `{"name":"svc"}`, http.StatusCreated)
			req, _ := http.NewRequest("POST", s.URL+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
			req.SetBasicAuth(c["clientId"].(string), c["clientSecret"].(string)) // both are URL-safe
			return send(t, req, "application/x-www-form-urlencoded", http.StatusOK)
		}, http.StatusForbidden},
		{"refresh family", func(t *testing.T) map[string]any {
			r := call(t, s.URL, "POST", "/v1/tokens/refresh", admin, "application/json", `{"name":"cli"}`, http.StatusCreated)
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r["refreshToken"].(string)}}
			return call(t, s.URL, "POST", "/oauth/token", "", "application/x-www-form-urlencoded", form.Encode(), http.StatusOK)
		}, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := c.token(t)
			if tok["scope"] != "*" {
				t.Errorf("token scope = %v, want *", tok["scope"])
			}
			bearer := "Bearer " + tok["access_token"].(string)
			who := call(t, s.URL, "GET", "/v1/whoami", bearer, "", "", http.StatusOK)
			if who["credentialType"] != "access_token" || who["scopes"] != "*" {
				t.Errorf("whoami = %v, want an access token holding *", who)
			}
			keys := call(t, s.URL, "GET", "/v1/keys", bearer, "", "", c.keys)
			if _, denied := keys["message"]; denied {
				t.Errorf("GET /v1/keys was denied by the authorizer: %v", keys)
			}
		})
	}
}

// call sends a request with an Authorization value (when not "") and a
// body of type contentType, and decodes the JSON object answered with
// status want.
func call(t *testing.T, base, method, path, authorization, contentType, body string, want int) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return send(t, req, contentType, want)
}

// send sends req and decodes the JSON object answered with status want.
func send(t *testing.T, req *http.Request, contentType string, want int) map[string]any {
	t.Helper()
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s %s: %d, not a JSON object: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %v", req.Method, req.URL.Path, resp.StatusCode, want, m)
	}
	return m
}
