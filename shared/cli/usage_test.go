package cli_test

import (
	"strings"
	"testing"
)

// TestUsage: `keys usage` and `clients usage` show the quota's balance and
// the hours with requests (every hour with --all), or the API's answer as
// JSON.
func TestUsage(t *testing.T) {
	_, _, _, tm := aliceLoggedIn(t, issuerScopes)
	keyID := tm.jsonOf("keys", "create", "--name", "metered", "--scopes", "echo:read", "--quota", "10")["keyId"].(string)
	out, _ := tm.ok("", "keys", "usage", keyID)
	if !strings.Contains(out, "QUOTA REMAINING: 10") || !strings.Contains(out, "HOUR (UTC)") || !strings.Contains(out, "7 days") {
		t.Fatalf("keys usage = %q", out)
	}
	all, _ := tm.ok("", "keys", "usage", keyID, "--all")
	if lines := strings.Count(all, "\n"); lines != 1+1+168+1 {
		t.Fatalf("keys usage --all printed %d lines, want the balance, a header, 168 hours and the total", lines)
	}
	got := tm.jsonOf("keys", "usage", keyID)
	if hours, _ := got["hours"].([]any); len(hours) != 168 || got["remaining"] != float64(10) {
		t.Fatalf("keys usage -o json = %v", got)
	}
	clientID := tm.jsonOf("clients", "create", "--name", "svc", "--scopes", "echo:read")["clientId"].(string)
	if out, _ := tm.ok("", "clients", "usage", clientID); !strings.Contains(out, "QUOTA REMAINING: no quota") {
		t.Fatalf("clients usage = %q", out)
	}
}
