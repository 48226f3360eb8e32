package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/local/devstacktest"

	"github.com/tollgate/tollgate/shared/cli"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/sas"
)

func TestMain(m *testing.M) { localtest.Main(m) }

// stack serves a fresh local stack over real HTTP and returns its URL and
// bootstrap admin key.
func stack(t *testing.T, settings ...func(*config.Config)) (url, adminKey string) {
	t.Helper()
	s := devstacktest.Start(t, settings...)
	return s.URL, s.AdminKey
}

// api calls the API directly (setup), wanting status.
func api(t *testing.T, status int, method, url, key, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("x-api-key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d (%v)", method, url, resp.StatusCode, status, m)
	}
	return m
}

// term runs the CLI against one config file.
type term struct {
	t      *testing.T
	config string
	env    map[string]string
	now    func() time.Time
	renew  time.Duration
}

func newTerm(t *testing.T) *term {
	return &term{t: t, config: filepath.Join(t.TempDir(), "tollgate", "config.json"), env: map[string]string{}}
}

// run runs the CLI with stdin and returns its exit code and output.
func (tm *term) run(stdin string, args ...string) (code int, stdout, stderr string) {
	tm.t.Helper()
	var out, errb bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Now: tm.now, RenewBefore: tm.renew,
		Getenv: func(k string) string {
			if k == cli.EnvConfig {
				return tm.config
			}
			return tm.env[k]
		}}
	code = cli.Run(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// ok runs the CLI, wanting exit code 0.
func (tm *term) ok(stdin string, args ...string) (stdout, stderr string) {
	tm.t.Helper()
	code, out, errs := tm.run(stdin, args...)
	if code != 0 {
		tm.t.Fatalf("tollgate %v: exit %d\nstdout: %s\nstderr: %s", args, code, out, errs)
	}
	return out, errs
}

// jsonOf runs the CLI with --output json and decodes the object printed.
func (tm *term) jsonOf(args ...string) map[string]any {
	tm.t.Helper()
	out, _ := tm.ok("", append(args, "--output", "json")...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		tm.t.Fatalf("tollgate %v: %v in %q", args, err, out)
	}
	return m
}

func (tm *term) profile(name string) cli.Profile {
	tm.t.Helper()
	cfg, err := cli.LoadConfig(tm.config)
	if err != nil {
		tm.t.Fatal(err)
	}
	p, ok := cfg.Profiles[name]
	if !ok {
		tm.t.Fatalf("no profile %q", name)
	}
	return *p
}

// alice creates a credential-issuing user with an API key.
func alice(t *testing.T, url, admin, scopes string) (userID, key string) {
	u := api(t, 201, "POST", url+"/v1/users", admin, `{"username":"alice","roles":["credential-issuer"],"scopes":`+scopes+`}`)
	k := api(t, 201, "POST", url+"/v1/keys", admin, `{"name":"alice","owner":"`+u["userId"].(string)+`"}`)
	return u["userId"].(string), k["key"].(string)
}

func TestLoginByTokenAndConfigFile(t *testing.T) {
	url, admin := stack(t)
	tm := newTerm(t)
	// From stdin.
	out, _ := tm.ok(admin+"\n", "login", "--api-url", url, "--token", "-")
	if !strings.Contains(out, "Logged in") {
		t.Fatalf("login said %q", out)
	}
	fi, err := os.Stat(tm.config)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode %v, want 0600", fi.Mode().Perm())
	}
	if p := tm.profile("default"); p.Kind != cli.KindToken || p.Token != admin || p.APIURL != url {
		t.Fatalf("profile = %+v", p)
	}
	who := tm.jsonOf("whoami")
	if who["credentialType"] != "api_key" || who["scopes"] != "*" {
		t.Fatalf("whoami = %v", who)
	}
	if out, _ := tm.ok("", "whoami"); !strings.Contains(out, "principalId") || !strings.Contains(out, "api_key") {
		t.Fatalf("whoami table = %q", out)
	}
	// From an environment variable, into another profile; the file stays 0600.
	tm.env["ADMIN_KEY"] = admin
	tm.ok("", "login", "--api-url", url, "--token-env", "ADMIN_KEY", "--profile", "other")
	if fi, _ := os.Stat(tm.config); fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode %v after rewrite", fi.Mode().Perm())
	}
	tm.profile("default")
	tm.profile("other")

	// Refused credentials: exit 1 with the server's message, no profile.
	code, _, errs := tm.run("", "login", "--api-url", url, "--token", "tgk_nope", "--profile", "bad")
	if code != 1 || !strings.Contains(errs, "Unauthorized") || strings.Contains(errs, "goroutine") {
		t.Fatalf("bad token: %d %q", code, errs)
	}
	// Usage errors: exit 2.
	for _, args := range [][]string{
		{"login", "--api-url", url},
		{"login", "--api-url", url, "--token", "x", "--client-id", "y", "--client-secret", "z"},
		{"login", "--token", "x"},
		{"whoami", "extra"},
		{"whoami", "--no-such-flag"},
		{"nonsense"},
		{"keys", "get"},
		{"keys", "create"},
		{"whoami", "--output", "yaml"},
	} {
		if code, _, _ := tm.run("", args...); code != 2 {
			t.Errorf("tollgate %v: exit %d, want 2", args, code)
		}
	}
	// A missing profile: exit 1.
	if code, _, _ := tm.run("", "whoami", "--profile", "missing"); code != 1 {
		t.Fatalf("missing profile: exit %d", code)
	}
}

func TestLoginByClientCredentials(t *testing.T) {
	url, admin := stack(t)
	_, key := alice(t, url, admin, `["credentials:read","credentials:write","echo:read"]`)
	cl := api(t, 201, "POST", url+"/v1/clients", key, `{"name":"svc","scopes":["echo:read"]}`)
	tm := newTerm(t)
	tm.env["SECRET"] = cl["clientSecret"].(string)
	tm.ok("", "login", "--api-url", url, "--client-id", cl["clientId"].(string), "--client-secret-env", "SECRET")
	who := tm.jsonOf("whoami")
	if who["principalId"] != cl["clientId"] || who["credentialType"] != "access_token" {
		t.Fatalf("whoami = %v", who)
	}
	if p := tm.profile("default"); p.AccessToken == "" || p.ClientSecret == "" {
		t.Fatalf("profile = %+v", p)
	}
	// A wrong secret: exit 1 with the OAuth error_description.
	code, _, errs := tm.run("", "login", "--api-url", url, "--client-id", cl["clientId"].(string), "--client-secret", "tgc_wrong", "--profile", "x")
	if code != 1 || !strings.Contains(errs, "Bad credentials") {
		t.Fatalf("wrong secret: %d %q", code, errs)
	}
}

func TestLoginByPassword(t *testing.T) {
	url, admin := stack(t, func(c *config.Config) { c.PasswordSignIn = true })
	bob := api(t, 201, "POST", url+"/v1/users", admin, `{"username":"bob","scopes":["echo:read"],"password":"a long enough password"}`)
	tm := newTerm(t)
	_, errs := tm.ok("a long enough password\n", "login", "--api-url", url, "--username", "bob", "--password", "-")
	if !strings.Contains(errs, "testing") {
		t.Fatalf("no warning: %q", errs)
	}
	if who := tm.jsonOf("whoami"); who["principalId"] != bob["userId"] {
		t.Fatalf("whoami = %v", who)
	}
	b, _ := os.ReadFile(tm.config)
	if strings.Contains(string(b), "a long enough password") {
		t.Fatal("the password was saved")
	}
}

func TestRefreshTokenRenewal(t *testing.T) {
	url, admin := stack(t)
	aliceID, key := alice(t, url, admin, `["credentials:read","credentials:write","echo:read"]`)
	r := api(t, 201, "POST", url+"/v1/tokens/refresh", key, `{"name":"cli","scopes":["echo:read","credentials:read"],"accessTokenTTL":60}`)
	rt := r["refreshToken"].(string)

	now := time.Now().UTC()
	tm := newTerm(t)
	tm.now = func() time.Time { return now }
	tm.env["RT"] = rt
	tm.ok("", "login", "--api-url", url, "--refresh-token-env", "RT")
	p1 := tm.profile("default")
	if p1.Kind != cli.KindRefresh || p1.RefreshToken == rt || p1.RefreshToken == "" || p1.AccessToken == "" {
		t.Fatalf("after login: %+v", p1)
	}
	// Within its lifetime the access token is reused: no exchange.
	if who := tm.jsonOf("whoami"); who["principalId"] != aliceID || who["credentialType"] != "access_token" {
		t.Fatalf("whoami = %v", who)
	}
	if p := tm.profile("default"); p.RefreshToken != p1.RefreshToken || p.AccessToken != p1.AccessToken {
		t.Fatal("renewed too early")
	}
	// Past its expiry (by the CLI's clock): renewed, the rotated refresh
	// token saved.
	now = now.Add(61 * time.Second)
	if who := tm.jsonOf("whoami"); who["principalId"] != aliceID {
		t.Fatalf("whoami after expiry = %v", who)
	}
	p2 := tm.profile("default")
	if p2.RefreshToken == p1.RefreshToken || p2.AccessToken == p1.AccessToken || !p2.AccessTokenExpiresAt.After(now) {
		t.Fatalf("not renewed: %+v", p2)
	}
	// Within the renewal window (RenewBefore larger than the TTL) every
	// call renews, and the saved token is always the live one.
	tm.renew = 2 * time.Minute
	if out, _ := tm.ok("", "keys", "get", "--help"); !strings.Contains(out, "Example") { // help needs no token
		t.Fatalf("help = %q", out)
	}
	for range 2 {
		before := tm.profile("default").RefreshToken
		tm.ok("", "keys", "list")
		if after := tm.profile("default").RefreshToken; after == before {
			t.Fatal("refresh token not rotated")
		}
	}
	// A crash between exchange and save: the old token, presented again
	// within the grace period, gets the same successor.
	saved := tm.profile("default").RefreshToken
	a := exchange(t, url, saved)
	b := exchange(t, url, saved)
	if a != b {
		t.Fatalf("retry got %q, want %q", b, a)
	}
}

// exchange spends a refresh token directly and returns its successor.
func exchange(t *testing.T, url, rt string) string {
	t.Helper()
	resp, err := http.PostForm(url+"/oauth/token", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != 200 {
		t.Fatalf("exchange: %d %v", resp.StatusCode, m)
	}
	return m["refresh_token"].(string)
}

func TestKeyLifecycle(t *testing.T) {
	url, admin := stack(t)
	_, key := alice(t, url, admin, `["credentials:read","credentials:write","echo:read"]`)
	tm := newTerm(t)
	tm.ok(key+"\n", "login", "--api-url", url, "--token", "-")

	out, errs := tm.ok("", "keys", "create", "--name", "ci", "--scopes", "echo:read", "--expires-in", "24h")
	if !strings.Contains(errs, cli.StoreItNow) || !strings.Contains(out, "KEY ID") || !strings.Contains(out, "key: tgk_") {
		t.Fatalf("create: %q %q", out, errs)
	}
	created := tm.jsonOf("keys", "create", "--name", "ci2", "--scopes", "echo:read")
	keyID, secret := created["keyId"].(string), created["key"].(string)
	if !strings.HasPrefix(secret, "tgk_") {
		t.Fatalf("create = %v", created)
	}
	whoWith := func(k string) int {
		req, _ := http.NewRequest("GET", url+"/v1/whoami", nil)
		req.Header.Set("x-api-key", k)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if whoWith(secret) != 200 {
		t.Fatal("the new key does not work")
	}

	out, _ = tm.ok("", "keys", "list")
	if !strings.Contains(out, keyID) || !strings.Contains(out, "ci2") {
		t.Fatalf("list = %q", out)
	}
	listed, _ := tm.ok("", "keys", "list", "-o", "json")
	var items []map[string]any
	if err := json.Unmarshal([]byte(listed), &items); err != nil || len(items) != 3 || items[0]["key"] != nil {
		t.Fatalf("list json = %q (%v)", listed, err)
	}

	if m := tm.jsonOf("keys", "deactivate", keyID); m["status"] != "inactive" {
		t.Fatalf("deactivate = %v", m)
	}
	if whoWith(secret) != 401 {
		t.Fatal("an inactive key works")
	}
	if m := tm.jsonOf("keys", "activate", keyID); m["status"] != "active" {
		t.Fatalf("activate = %v", m)
	}
	if m := tm.jsonOf("keys", "get", keyID); m["status"] != "active" || m["name"] != "ci2" {
		t.Fatalf("get = %v", m)
	}
	out, errs = tm.ok("", "keys", "rotate", keyID, "--overlap", "0")
	if !strings.Contains(errs, cli.StoreItNow) {
		t.Fatalf("rotate stderr %q", errs)
	}
	_, newSecret, _ := strings.Cut(out, "key: ")
	newSecret = strings.TrimSpace(newSecret)
	if whoWith(secret) != 401 || whoWith(newSecret) != 200 {
		t.Fatalf("after rotation: old %d new %d (%q)", whoWith(secret), whoWith(newSecret), out)
	}
	if m := tm.jsonOf("keys", "get", keyID); m["rotatedTo"] == nil {
		t.Fatalf("old key = %v", m)
	}
	newID := tm.jsonOf("keys", "get", tm.jsonOf("keys", "get", keyID)["rotatedTo"].(string))["keyId"].(string)
	out, _ = tm.ok("", "keys", "revoke", newID)
	if !strings.Contains(out, "Revoked") || whoWith(newSecret) != 401 {
		t.Fatalf("revoke: %q", out)
	}
	// The server's problem detail, exit 1.
	code, _, errs := tm.run("", "keys", "get", newID)
	if code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("get revoked: %d %q", code, errs)
	}
	code, _, errs = tm.run("", "keys", "create", "--name", "x", "--scopes", "users:admin")
	if code != 1 || !strings.Contains(errs, "scopes") {
		t.Fatalf("create beyond grant: %d %q", code, errs)
	}
}

func TestSASSignMatchesServer(t *testing.T) {
	url, admin := stack(t)
	u := api(t, 201, "POST", url+"/v1/users", admin, `{"username":"sam","roles":["credential-issuer"],"scopes":["sas:read","sas:write","echo:read"]}`)
	key := api(t, 201, "POST", url+"/v1/keys", admin, `{"name":"sam","owner":"`+u["userId"].(string)+`"}`)["key"].(string)
	creds := api(t, 200, "GET", url+"/v1/sas", key, "")
	tm := newTerm(t)
	tm.env["KEY"] = key
	tm.ok("", "login", "--api-url", url, "--token-env", "KEY")

	expiry := time.Now().UTC().Add(time.Hour).Truncate(time.Minute).Format(time.RFC3339)
	for _, which := range []string{"primary", "secondary"} {
		server, _ := tm.ok("", "sas", "token", "--key", which, "--expiry", expiry)
		tm.env["SAS_KEY"] = creds[which+"Key"].(string)
		offline, _ := tm.ok("", "sas", "sign", "--id", creds["identifier"].(string), "--key-env", "SAS_KEY", "--expiry", expiry)
		if server != offline || !strings.HasPrefix(offline, sas.Scheme+" uid=") {
			t.Fatalf("%s: offline %q, server %q", which, offline, server)
		}
		fromStdin, _ := tm.ok(creds[which+"Key"].(string)+"\n", "sas", "sign", "--id", creds["identifier"].(string), "--key", "-", "--expiry", expiry)
		if fromStdin != offline {
			t.Fatalf("stdin key: %q", fromStdin)
		}
	}
	if code, _, _ := tm.run("", "sas", "sign", "--id", "x", "--key-env", "SAS_KEY", "--expiry", "tomorrow"); code != 2 {
		t.Fatalf("bad expiry: exit %d", code)
	}
}

func TestEveryCommandHasAnExample(t *testing.T) {
	root := cli.NewRoot(&cli.Env{})
	cmds := root.Commands()
	for len(cmds) > 0 {
		c := cmds[0]
		cmds = append(cmds[1:], c.Commands()...)
		if c.Name() != "help" && c.Example == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
	}
}
