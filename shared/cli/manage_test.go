package cli_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/local/devstacktest"

	"github.com/tollgate/tollgate/shared/cli"
)

// jsonList runs the CLI with --output json and decodes the array printed.
func (tm *term) jsonList(args ...string) []map[string]any {
	tm.t.Helper()
	out, _ := tm.ok("", append(args, "--output", "json")...)
	var items []map[string]any
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		tm.t.Fatalf("tollgate %v: %v in %q", args, err, out)
	}
	return items
}

// bearer calls whoami with a bearer token and returns the status.
func bearer(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func loggedIn(t *testing.T, url, key string) *term {
	tm := newTerm(t)
	tm.ok(key+"\n", "login", "--api-url", url, "--token", "-")
	return tm
}

func TestTokensJWT(t *testing.T) {
	url, admin := stack(t)
	_, key := alice(t, url, admin, `["credentials:read","credentials:write","echo:read"]`)
	tm := loggedIn(t, url, key)

	out, errs := tm.ok("", "tokens", "jwt", "create", "--name", "ci", "--scopes", "echo:read", "--expires-in", "24h")
	if !strings.Contains(errs, cli.StoreItNow) || !strings.Contains(out, "TOKEN ID") || !strings.Contains(out, "token: ey") {
		t.Fatalf("create: %q %q", out, errs)
	}
	created := tm.jsonOf("tokens", "jwt", "create", "--name", "ci2", "--scopes", "echo:read")
	id, tok := created["tokenId"].(string), created["token"].(string)
	if bearer(t, url, tok) != 200 {
		t.Fatal("the new JWT does not work")
	}
	if items := tm.jsonList("tokens", "jwt", "list"); len(items) != 2 || items[0]["token"] != nil {
		t.Fatalf("list = %v", items)
	}
	if out, _ := tm.ok("", "tokens", "jwt", "list"); !strings.Contains(out, id) || !strings.Contains(out, "echo:read") {
		t.Fatalf("list table = %q", out)
	}
	if out, _ := tm.ok("", "tokens", "jwt", "revoke", id); !strings.Contains(out, "Revoked "+id) {
		t.Fatalf("revoke = %q", out)
	}
	if bearer(t, url, tok) != 401 {
		t.Fatal("a revoked JWT works")
	}
	if code, _, errs := tm.run("", "tokens", "jwt", "revoke", id); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("revoke again: %d %q", code, errs)
	}
	for _, a := range [][]string{{"tokens"}, {"tokens", "jwt"}, {"tokens", "jwt", "create"}, {"tokens", "jwt", "revoke"}} {
		if code, _, _ := tm.run("", a...); code != 2 {
			t.Errorf("tollgate %v: exit %d, want 2", a, code)
		}
	}
}

func TestTokensRefresh(t *testing.T) {
	url, admin := stack(t)
	aliceID, key := alice(t, url, admin, `["credentials:read","credentials:write","echo:read"]`)
	tm := loggedIn(t, url, key)

	_, errs := tm.ok("", "tokens", "refresh", "create", "--name", "x", "--scopes", "echo:read")
	if !strings.Contains(errs, cli.StoreItNow) {
		t.Fatalf("create stderr %q", errs)
	}
	created := tm.jsonOf("tokens", "refresh", "create", "--name", "cli", "--scopes", "echo:read", "--access-token-ttl", "120")
	id, rt := created["tokenId"].(string), created["refreshToken"].(string)
	if created["accessTokenTTL"] != 120.0 || !strings.HasPrefix(rt, "tgr_") {
		t.Fatalf("create = %v", created)
	}
	// An admin creates one for alice.
	ta := loggedIn(t, url, admin)
	if m := ta.jsonOf("tokens", "refresh", "create", "--name", "for-alice", "--scopes", "echo:read", "--owner", aliceID); m["owner"] != aliceID {
		t.Fatalf("create --owner = %v", m)
	}
	if items := tm.jsonList("tokens", "refresh", "list"); len(items) != 3 || items[0]["refreshToken"] != nil {
		t.Fatalf("list = %v", items)
	}
	if items := ta.jsonList("tokens", "refresh", "list", "--owner", aliceID); len(items) != 3 {
		t.Fatalf("list --owner = %v", items)
	}
	next := exchange(t, url, rt)
	tm.ok("", "tokens", "refresh", "revoke", id)
	resp, err := http.PostForm(url+"/oauth/token", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {next}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("exchange after revoke: %d", resp.StatusCode)
	}
	if code, _, _ := tm.run("", "tokens", "refresh", "create", "--name", "x", "--access-token-ttl", "0"); code != 2 {
		t.Fatalf("ttl 0: exit %d", code)
	}
}

func TestClients(t *testing.T) {
	url, admin := stack(t)
	_, key := alice(t, url, admin, `["credentials:read","credentials:write","echo:read"]`)
	tm := loggedIn(t, url, key)

	out, errs := tm.ok("", "clients", "create", "--name", "svc", "--scopes", "echo:read")
	if !strings.Contains(errs, cli.StoreItNow) || !strings.Contains(out, "clientSecret: tgc_") {
		t.Fatalf("create: %q %q", out, errs)
	}
	created := tm.jsonOf("clients", "create", "--name", "svc2", "--scopes", "echo:read")
	id, secret := created["clientId"].(string), created["clientSecret"].(string)
	tm.env["SECRET"] = secret
	tm.ok("", "login", "--api-url", url, "--client-id", id, "--client-secret-env", "SECRET", "--profile", "svc")
	if who := tm.jsonOf("whoami", "--profile", "svc"); who["principalId"] != id {
		t.Fatalf("whoami = %v", who)
	}
	if items := tm.jsonList("clients", "list"); len(items) != 2 {
		t.Fatalf("list = %v", items)
	}
	if m := tm.jsonOf("clients", "get", id); m["name"] != "svc2" || m["clientSecret"] != nil {
		t.Fatalf("get = %v", m)
	}
	out, errs = tm.ok("", "clients", "rotate-secret", id)
	_, newSecret, _ := strings.Cut(out, "clientSecret: ")
	newSecret = strings.TrimSpace(newSecret)
	if !strings.Contains(errs, cli.StoreItNow) || !strings.HasPrefix(newSecret, "tgc_") || newSecret == secret {
		t.Fatalf("rotate-secret: %q %q", out, errs)
	}
	tm.env["SECRET"] = newSecret
	tm.ok("", "login", "--api-url", url, "--client-id", id, "--client-secret-env", "SECRET", "--profile", "svc")
	if out, _ := tm.ok("", "clients", "delete", id); !strings.Contains(out, "Deleted "+id) {
		t.Fatalf("delete = %q", out)
	}
	if code, _, _ := tm.run("", "login", "--api-url", url, "--client-id", id, "--client-secret-env", "SECRET", "--profile", "svc2"); code != 1 {
		t.Fatalf("login with a deleted client: exit %d", code)
	}
	if code, _, errs := tm.run("", "clients", "delete", id); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("delete again: %d %q", code, errs)
	}
}

// selfSigned makes a self-signed, non-CA P-256 certificate and its key.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	c := devstacktest.ClientCert(t, "alice-cli-test")
	return []byte(c.PEM), c.KeyPEM(t)
}

func TestCerts(t *testing.T) {
	url, admin := stack(t)
	aliceID, key := alice(t, url, admin, `["credentials:read","credentials:write","certificates:read","certificates:write","echo:read"]`)
	tm := loggedIn(t, url, key)
	certPEM, keyPEM := selfSigned(t)
	dir := t.TempDir()
	certFile, bothFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "both.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bothFile, append(append([]byte{}, certPEM...), keyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}

	// A file with a private key is refused before anything is sent.
	code, _, errs := tm.run("", "certs", "upload", "--user", aliceID, "--file", bothFile)
	if code != 1 || !strings.Contains(errs, "private key") || strings.Contains(errs, "HTTP") {
		t.Fatalf("private key: %d %q", code, errs)
	}
	if code, _, errs := tm.run(string(keyPEM), "certs", "upload", "--user", aliceID, "--file", "-"); code != 1 || !strings.Contains(errs, "private key") {
		t.Fatalf("private key on stdin: %d %q", code, errs)
	}
	if code, _, _ := tm.run("", "certs", "show", "--user", aliceID); code != 1 {
		t.Fatal("a certificate was bound after a refusal")
	}

	out, _ := tm.ok("", "certs", "upload", "--user", aliceID, "--file", certFile)
	if !strings.Contains(out, "thumbprint") || !strings.Contains(out, "alice-cli-test") {
		t.Fatalf("upload = %q", out)
	}
	shown := tm.jsonOf("certs", "show", "--user", aliceID)
	if !strings.Contains(shown["subject"].(string), "alice-cli-test") || len(shown["thumbprint"].(string)) != 64 {
		t.Fatalf("show = %v", shown)
	}
	if out, _ := tm.ok("", "certs", "revoke", "--user", aliceID); !strings.Contains(out, "Revoked") {
		t.Fatalf("revoke = %q", out)
	}
	if code, _, errs := tm.run("", "certs", "show", "--user", aliceID); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("show after revoke: %d %q", code, errs)
	}
	// From stdin, once revoked.
	if m := tm.jsonOf("certs", "upload", "--user", aliceID, "--file", certFile); m["thumbprint"] != shown["thumbprint"] {
		t.Fatalf("upload again = %v", m)
	}
	for _, a := range [][]string{{"certs", "upload", "--file", certFile}, {"certs", "upload", "--user", aliceID}, {"certs", "show"}} {
		if code, _, _ := tm.run("", a...); code != 2 {
			t.Errorf("tollgate %v: exit %d, want 2", a, code)
		}
	}
}

func TestUsersAndAudit(t *testing.T) {
	url, admin := stack(t)
	tm := loggedIn(t, url, admin)

	u := tm.jsonOf("users", "create", "--username", "carol", "--roles", "credential-issuer", "--scopes", "credentials:read,credentials:write,echo:read")
	id := u["userId"].(string)
	if u["username"] != "carol" {
		t.Fatalf("create = %v", u)
	}
	if out, _ := tm.ok("", "users", "list"); !strings.Contains(out, "carol") || !strings.Contains(out, "admin") {
		t.Fatalf("list = %q", out)
	}
	if m := tm.jsonOf("users", "update", id, "--scopes", "echo:read", "--roles", ""); len(m["scopes"].([]any)) != 1 || len(m["roles"].([]any)) != 0 {
		t.Fatalf("update = %v", m)
	}
	if m := tm.jsonOf("users", "update", id, "--disabled"); m["disabled"] != true {
		t.Fatalf("disable = %v", m)
	}
	if m := tm.jsonOf("users", "update", id, "--enabled"); m["disabled"] != false {
		t.Fatalf("enable = %v", m)
	}
	if m := tm.jsonOf("users", "get", id); m["disabled"] != false {
		t.Fatalf("get = %v", m)
	}
	if code, _, _ := tm.run("", "users", "update", id); code != 2 {
		t.Fatalf("update without a change: exit %d", code)
	}

	// A key's lifecycle, then its audit records.
	k := tm.jsonOf("keys", "create", "--name", "audited", "--scopes", "echo:read")
	keyID := k["keyId"].(string)
	tm.ok("", "keys", "deactivate", keyID)
	tm.ok("", "keys", "revoke", keyID)
	recs := tm.jsonList("audit", "list", "--target", keyID)
	var actions []string
	for _, r := range recs {
		actions = append(actions, r["action"].(string))
	}
	if strings.Join(actions, " ") != "key.revoke key.update key.create" {
		t.Fatalf("audit of %s = %v", keyID, actions)
	}
	out, _ := tm.ok("", "audit", "list")
	for _, want := range []string{"ACTION", "key.create", "key.revoke", "user.update", "user.create", keyID} {
		if !strings.Contains(out, want) {
			t.Fatalf("audit list lacks %q: %q", want, out)
		}
	}
	if all := tm.jsonList("audit", "list"); len(all) < 7 {
		t.Fatalf("audit list = %d records", len(all))
	}
	if two := tm.jsonList("audit", "list", "--limit", "2"); len(two) != 2 || two[0]["action"] != "key.revoke" {
		t.Fatalf("audit --limit 2 = %v", two)
	}
	since := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	if none := tm.jsonList("audit", "list", "--since", since); len(none) != 0 {
		t.Fatalf("audit --since the future = %v", none)
	}
	if code, _, _ := tm.run("", "audit", "list", "--since", "yesterday"); code != 2 {
		t.Fatalf("bad --since: exit %d", code)
	}

	if out, _ := tm.ok("", "users", "delete", id); !strings.Contains(out, "Deleted "+id) {
		t.Fatalf("delete = %q", out)
	}
	if code, _, errs := tm.run("", "users", "get", id); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("get deleted: %d %q", code, errs)
	}
}

func TestSASManage(t *testing.T) {
	url, admin := stack(t)
	u := api(t, 201, "POST", url+"/v1/users", admin, `{"username":"sam","roles":["credential-issuer"],"scopes":["sas:read","sas:write","echo:read"]}`)
	key := api(t, 201, "POST", url+"/v1/keys", admin, `{"name":"sam","owner":"`+u["userId"].(string)+`"}`)["key"].(string)
	tm := loggedIn(t, url, key)

	first := tm.jsonOf("sas", "show")
	if first["enabled"] != true || first["primaryKey"] == nil {
		t.Fatalf("show = %v", first)
	}
	if out, _ := tm.ok("", "sas", "show"); !strings.Contains(out, "identifier") || !strings.Contains(out, first["identifier"].(string)) {
		t.Fatalf("show table = %q", out)
	}
	expiry := time.Now().UTC().Add(time.Hour).Truncate(time.Minute).Format(time.RFC3339)
	tokP, _ := tm.ok("", "sas", "token", "--key", "primary", "--expiry", expiry)
	tokS, _ := tm.ok("", "sas", "token", "--key", "secondary", "--expiry", expiry)
	sasWho := func(tok string) int {
		req, _ := http.NewRequest("GET", url+"/v1/whoami", nil)
		req.Header.Set("Authorization", strings.TrimSpace(tok))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if sasWho(tokP) != 200 || sasWho(tokS) != 200 {
		t.Fatal("the SAS tokens do not work")
	}
	regen := tm.jsonOf("sas", "regenerate", "--key", "secondary")
	if regen["primaryKey"] != first["primaryKey"] || regen["secondaryKey"] == first["secondaryKey"] {
		t.Fatalf("regenerate = %v", regen)
	}
	if sasWho(tokS) != 401 || sasWho(tokP) != 200 {
		t.Fatal("after regenerating the secondary key")
	}
	if m := tm.jsonOf("sas", "disable"); m["enabled"] != false {
		t.Fatalf("disable = %v", m)
	}
	if sasWho(tokP) != 401 {
		t.Fatal("a disabled SAS works")
	}
	if code, _, _ := tm.run("", "sas", "token", "--key", "primary", "--expiry", expiry); code != 1 {
		t.Fatalf("token while disabled: exit %d", code)
	}
	if m := tm.jsonOf("sas", "enable"); m["enabled"] != true {
		t.Fatalf("enable = %v", m)
	}
	if sasWho(tokP) != 200 {
		t.Fatal("an enabled SAS does not work")
	}
	if code, _, _ := tm.run("", "sas", "regenerate", "--key", "tertiary"); code != 2 {
		t.Fatalf("bad --key: exit %d", code)
	}
}
