package cli_test

import (
	"os"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/cli"
	"github.com/tollgate/tollgate/shared/config"
)

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
	_, key := alice(t, url, admin, issuerScopes)
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
