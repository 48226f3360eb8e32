package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/cli"
)

func TestKeyLifecycle(t *testing.T) {
	url, _, _, tm := aliceLoggedIn(t, issuerScopes)

	out, errs := tm.ok("", "keys", "create", "--name", "ci", "--scopes", "echo:read", "--expires-in", "24h")
	if !strings.Contains(errs, cli.StoreItNow) || !strings.Contains(out, "KEY ID") || !strings.Contains(out, "key: tgk_") {
		t.Fatalf("create: %q %q", out, errs)
	}
	created := tm.jsonOf("keys", "create", "--name", "ci2", "--scopes", "echo:read")
	keyID, secret := created["keyId"].(string), created["key"].(string)
	if !strings.HasPrefix(secret, "tgk_") {
		t.Fatalf("create = %v", created)
	}
	whoWith := func(k string) int { return whoamiStatus(t, url, "x-api-key", k) }
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
