package cli_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/cli"
)

func TestTokensJWT(t *testing.T) {
	url, _, _, tm := aliceLoggedIn(t, issuerScopes)

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
	url, admin, aliceID, tm := aliceLoggedIn(t, issuerScopes)

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
