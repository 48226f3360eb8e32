package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// limitsOf is the rateLimit and quota members of an object printed as JSON.
func limitsOf(t *testing.T, m map[string]any) (rate, quota string) {
	t.Helper()
	r, err := json.Marshal(m["rateLimit"])
	if err != nil {
		t.Fatal(err)
	}
	q, err := json.Marshal(m["quota"])
	if err != nil {
		t.Fatal(err)
	}
	return string(r), string(q)
}

// TestLimits: keys, clients and users take limits at creation and change
// them with update; tables show them; malformed flags are usage errors
// (exit 2) sent nowhere, and what the server refuses is its 400 (exit 1).
func TestLimits(t *testing.T) {
	url, admin, _, tm := aliceLoggedIn(t, issuerScopes)
	steps := []struct {
		args        []string
		rate, quota string
	}{
		{[]string{"keys", "create", "--name", "partner", "--scopes", "echo:read", "--rate-limit", "100/1m", "--quota", "10000", "--refill", "10000/day"},
			`{"limit":100,"windowSeconds":60}`, `{"limit":10000,"refill":{"amount":10000,"interval":"day"},"remaining":10000}`},
		{[]string{"keys", "update", "{key}", "--remaining", "5000"},
			`{"limit":100,"windowSeconds":60}`, `{"limit":10000,"refill":{"amount":10000,"interval":"day"},"remaining":5000}`},
		{[]string{"keys", "update", "{key}", "--rate-limit", "5/1s", "--quota", "100", "--remaining", "7"},
			`{"limit":5,"windowSeconds":1}`, `{"limit":100,"refill":null,"remaining":7}`},
		{[]string{"keys", "update", "{key}", "--name", "renamed"}, `{"limit":5,"windowSeconds":1}`, `{"limit":100,"refill":null,"remaining":7}`},
		{[]string{"keys", "update", "{key}", "--no-rate-limit", "--quota", "none"}, `null`, `null`},
		{[]string{"keys", "update", "{key}", "--rate-limit", "1/1h"}, `{"limit":1,"windowSeconds":3600}`, `null`},
		{[]string{"keys", "update", "{key}", "--rate-limit", "none", "--no-quota"}, `null`, `null`},
	}
	var keyID string
	for _, st := range steps {
		args := st.args
		for i := range args {
			args[i] = strings.ReplaceAll(args[i], "{key}", keyID)
		}
		m := tm.jsonOf(args...)
		if keyID == "" {
			keyID = m["keyId"].(string)
		}
		if rate, quota := limitsOf(t, m); rate != st.rate || quota != st.quota {
			t.Fatalf("tollgate %v: rateLimit %s quota %s, want %s %s", args, rate, quota, st.rate, st.quota)
		}
	}
	if m := tm.jsonOf("keys", "get", keyID); m["name"] != "renamed" {
		t.Fatalf("get = %v", m)
	}
	tm.ok("", "keys", "update", keyID, "--rate-limit", "100/60s", "--quota", "10", "--refill", "1/hour", "--remaining", "3")
	if out, _ := tm.ok("", "keys", "list"); !strings.Contains(out, "RATE LIMIT") || !strings.Contains(out, "100/60s") || !strings.Contains(out, "3/10 +1/hour") {
		t.Fatalf("list = %q", out)
	}

	cl := tm.jsonOf("clients", "create", "--name", "svc", "--scopes", "echo:read", "--rate-limit", "50/1s")
	clientID := cl["clientId"].(string)
	if rate, quota := limitsOf(t, cl); rate != `{"limit":50,"windowSeconds":1}` || quota != `null` {
		t.Fatalf("clients create = %v", cl)
	}
	up := tm.jsonOf("clients", "update", clientID, "--quota", "100000", "--refill", "100000/month", "--no-rate-limit")
	if rate, quota := limitsOf(t, up); rate != `null` || quota != `{"limit":100000,"refill":{"amount":100000,"interval":"month"},"remaining":100000}` {
		t.Fatalf("clients update = %v", up)
	}
	if out, _ := tm.ok("", "clients", "get", clientID); !strings.Contains(out, "100000/100000 +100000/month") {
		t.Fatalf("clients get = %q", out)
	}

	adm := loggedIn(t, url, admin)
	u := adm.jsonOf("users", "create", "--username", "batch", "--scopes", "echo:read", "--rate-limit", "1000/1m")
	if rate, _ := limitsOf(t, u); rate != `{"limit":1000,"windowSeconds":60}` {
		t.Fatalf("users create = %v", u)
	}
	if out, _ := adm.ok("", "users", "list"); !strings.Contains(out, "1000/60s") {
		t.Fatalf("users list = %q", out)
	}
	if m := adm.jsonOf("users", "update", u["userId"].(string), "--no-rate-limit"); m["rateLimit"] != nil {
		t.Fatalf("users update = %v", m)
	}

	code, _, errs := tm.run("", "keys", "update", keyID, "--rate-limit", "1/25h")
	if code != 1 || !strings.Contains(errs, "rateLimit.windowSeconds") {
		t.Fatalf("a window over a day: exit %d, %q", code, errs)
	}
	code, _, errs = tm.run("", "keys", "create", "--name", "x", "--scopes", "echo:read", "--quota", "10", "--remaining", "11")
	if code != 1 || !strings.Contains(errs, "quota.remaining") {
		t.Fatalf("a balance over the quota: exit %d, %q", code, errs)
	}
}

// TestLimitFlagsMisused: malformed or contradictory limit flags are usage
// errors (exit 2), refused before anything is sent.
func TestLimitFlagsMisused(t *testing.T) {
	_, _, _, tm := aliceLoggedIn(t, issuerScopes)
	create := []string{"keys", "create", "--name", "x", "--scopes", "echo:read"}
	update := []string{"keys", "update", "key_0123456789ABCDEFG"}
	for _, args := range [][]string{
		append(create, "--rate-limit", "100"),
		append(create, "--rate-limit", "100/"),
		append(create, "--rate-limit", "x/60s"),
		append(create, "--rate-limit", "0/60s"),
		append(create, "--rate-limit", "100/500ms"),
		append(create, "--rate-limit", "100/1.5s"),
		append(create, "--rate-limit", "none"),
		append(create, "--quota", "0"),
		append(create, "--quota", "ten"),
		append(create, "--quota", "none"),
		append(create, "--refill", "10/day"),
		append(create, "--remaining", "5"),
		append(create, "--quota", "10", "--refill", "10/week"),
		append(create, "--quota", "10", "--refill", "day"),
		append(create, "--quota", "10", "--refill", "0/day"),
		append(create, "--no-quota"),
		update,
		append(update, "--no-rate-limit", "--rate-limit", "1/1s"),
		append(update, "--no-quota", "--quota", "5"),
		append(update, "--no-quota", "--remaining", "5"),
		append(update, "--refill", "1/day"),
		{"clients", "update", "cli_0123456789ABCDEFG"},
		{"users", "update", "usr_0123456789ABCDEFG", "--quota", "5"},
	} {
		if code, _, errs := tm.run("", args...); code != 2 {
			t.Errorf("tollgate %v: exit %d, want 2 (%q)", args, code, errs)
		}
	}
}
