package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/devstacktest"
	"github.com/tollgate/tollgate/shared/local/localtest"
)

func TestMain(m *testing.M) { localtest.Main(m) }

// stack serves a fresh local stack over real HTTP, with a short refresh
// grace period.
func stack(t *testing.T, settings ...func(*config.Config)) (url, adminKey string, out *bytes.Buffer) {
	t.Helper()
	s := devstacktest.Start(t, append([]func(*config.Config){func(c *config.Config) { c.RefreshGrace = testGrace }}, settings...)...)
	return s.URL, s.AdminKey, s.Out
}

// testGrace is the refresh grace period of the test stacks: short, so a
// test can step past it.
const testGrace = 300 * time.Millisecond

type client struct {
	t   *testing.T
	url string
}

// do sends a request; auth is a whole header line "Name: value" or "".
func (c client) do(method, path, auth, body string) (int, map[string]any, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.url+path, strings.NewReader(body))
	if name, value, ok := strings.Cut(auth, ": "); ok {
		req.Header.Set(name, value)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req)
}

// send sends req and decodes a JSON object answer.
func (c client) send(req *http.Request) (int, map[string]any, http.Header) {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, resp.Header
}

func (c client) want(status int, method, path, auth, body string) map[string]any {
	c.t.Helper()
	got, m, _ := c.do(method, path, auth, body)
	if got != status {
		c.t.Fatalf("%s %s: status %d, want %d (%v)", method, path, got, status, m)
	}
	return m
}

// TestReadmeFlow walks the README: create a user and a key, use the key in
// every accepted way, deactivate, reactivate, rotate and revoke it.
func TestReadmeFlow(t *testing.T) {
	url, admin, out := stack(t)
	if !strings.Contains(out.String(), admin) {
		t.Fatal("the bootstrap key was not printed")
	}
	c := client{t, url}
	adminAuth := "Authorization: Bearer " + admin

	c.want(200, "GET", "/healthz", "", "")
	who := c.want(200, "GET", "/v1/whoami", adminAuth, "")
	if who["credentialType"] != "api_key" || who["scopes"] != "*" {
		t.Fatalf("admin whoami = %v", who)
	}
	alice := c.want(201, "POST", "/v1/users", adminAuth,
		`{"username":"alice","roles":["credential-issuer"],"scopes":["credentials:read","credentials:write","echo:read"]}`)
	aliceID := alice["userId"].(string)
	k := c.want(201, "POST", "/v1/keys", adminAuth, `{"name":"alice laptop","owner":"`+aliceID+`"}`)
	aliceKey := k["key"].(string)

	for _, auth := range []string{"Authorization: Bearer " + aliceKey, "Authorization: apiToken " + aliceKey, "x-api-key: " + aliceKey} {
		who := c.want(200, "GET", "/v1/whoami", auth, "")
		if who["principalId"] != aliceID || who["credentialId"] != k["keyId"] {
			t.Fatalf("%s: whoami = %v", auth, who)
		}
	}
	c.want(401, "GET", "/v1/whoami?api_token="+aliceKey, "", "") // query tokens are off by default
	tampered := aliceKey[:len(aliceKey)-1] + "x"
	if tampered == aliceKey {
		tampered = aliceKey[:len(aliceKey)-1] + "y"
	}
	c.want(401, "GET", "/v1/whoami", "Authorization: Bearer "+tampered, "")
	c.want(403, "GET", "/v1/users", "x-api-key: "+aliceKey, "") // no users:admin

	// Alice issues her own key and manages it.
	aliceAuth := "x-api-key: " + aliceKey
	mine := c.want(201, "POST", "/v1/keys", aliceAuth, `{"name":"ci","scopes":["echo:read"]}`)
	mineID, mineKey := mine["keyId"].(string), mine["key"].(string)
	mineAuth := "Authorization: Bearer " + mineKey
	c.want(200, "GET", "/v1/whoami", mineAuth, "")

	if m := c.want(200, "PATCH", "/v1/keys/"+mineID, aliceAuth, `{"status":"inactive"}`); m["status"] != "inactive" {
		t.Fatalf("PATCH answered %v", m)
	}
	c.want(401, "GET", "/v1/whoami", mineAuth, "")
	c.want(200, "PATCH", "/v1/keys/"+mineID, aliceAuth, `{"status":"active"}`)
	c.want(200, "GET", "/v1/whoami", mineAuth, "")

	rotated := c.want(201, "POST", "/v1/keys/"+mineID+"/rotate", aliceAuth, `{"overlapSeconds":0}`)
	c.want(401, "GET", "/v1/whoami", mineAuth, "")
	newAuth := "Authorization: Bearer " + rotated["key"].(string)
	c.want(200, "GET", "/v1/whoami", newAuth, "")

	newID := rotated["keyId"].(string)
	c.want(204, "DELETE", "/v1/keys/"+newID, aliceAuth, "")
	c.want(404, "GET", "/v1/keys/"+newID, aliceAuth, "")
	c.want(401, "GET", "/v1/whoami", newAuth, "")

	list := c.want(200, "GET", "/v1/keys", aliceAuth, "")
	raw, _ := json.Marshal(list)
	if strings.Contains(string(raw), aliceKey) || strings.Contains(string(raw), mineKey) {
		t.Fatal("a list shows a secret")
	}

	// Disabling the owner stops every credential it owns.
	c.want(200, "PATCH", "/v1/users/"+aliceID, adminAuth, `{"disabled":true}`)
	c.want(401, "GET", "/v1/whoami", aliceAuth, "")
}

func TestQueryTokensWhenEnabled(t *testing.T) {
	url, admin, _ := stack(t, func(c *config.Config) { c.QueryTokens = true })
	c := client{t, url}
	c.want(200, "GET", "/v1/whoami?api_token="+admin, "", "")
}

func TestSecretsAreNotCached(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	_, _, h := c.do("POST", "/v1/keys", "x-api-key: "+admin, `{"name":"x"}`)
	if h.Get("Cache-Control") != "no-store" || !strings.HasPrefix(h.Get("Location"), "/v1/keys/key_") {
		t.Fatalf("headers %v", h)
	}
}

func TestSecondStartDoesNotBootstrapAgain(t *testing.T) {
	endpoint := localtest.DynamoDB(t)
	cfg := config.Config{Table: id.New("tollgate"), ProjectID: config.DefaultProjectID, StoreTimeout: config.DefaultStoreTimeout}
	var first, second bytes.Buffer
	dir := t.TempDir()
	for _, out := range []*bytes.Buffer{&first, &second} {
		if _, err := devstack.Build(context.Background(), endpoint, devstack.Options{StateDir: dir, Out: out, Config: cfg}); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(first.String(), "tgk_") || strings.Contains(second.String(), "tgk_") {
		t.Fatalf("first run printed %q, second %q", first.String(), second.String())
	}
}

// TestRestartKeepsData runs the whole local stack twice on one state folder,
// as `make run` does: DynamoDB Local keeps its files there.
func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	at, stop := runLocal(t, dir)
	b, _ := os.ReadFile(filepath.Join(dir, devstack.AdminKeyFile))
	auth := "x-api-key: " + strings.TrimSpace(string(b))
	u := client{t, "http://" + at.HTTP}.want(201, "POST", "/v1/users", auth, `{"username":"kept"}`)
	stop()

	at, stop = runLocal(t, dir)
	defer stop()
	client{t, "http://" + at.HTTP}.want(200, "GET", "/v1/users/"+u["userId"].(string), auth, "")
}
