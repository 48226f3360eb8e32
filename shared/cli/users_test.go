package cli_test

import (
	"strings"
	"testing"
	"time"
)

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
