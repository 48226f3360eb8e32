package cli_test

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/cli"
)

func TestClients(t *testing.T) {
	url, _, _, tm := aliceLoggedIn(t, issuerScopes)

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
