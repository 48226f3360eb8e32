package devstack_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/sweep"
)

// TestRateLimitedEvent runs the whole local stack: a key over its rate
// limit gets 403s, and its credential.rate_limited event reaches
// events.jsonl once, with its id, within a few forward intervals.
func TestRateLimitedEvent(t *testing.T) {
	dir := t.TempDir()
	at, stop := runLocal(t, dir, func(c *config.Config) {
		c.ForwardInterval, c.SweepMaxItems, c.SweepInterval = time.Second, config.DefaultSweepMaxItems, time.Hour
	})
	defer stop()
	c := client{t, "http://" + at.HTTP}
	admin, _ := os.ReadFile(filepath.Join(dir, devstack.AdminKeyFile))
	k := c.want(201, "POST", "/v1/keys", "Authorization: Bearer "+strings.TrimSpace(string(admin)),
		`{"name":"limited","rateLimit":{"limit":1,"windowSeconds":86400}}`)
	keyID := k["keyId"].(string)

	auth := "x-api-key: " + k["key"].(string)
	c.want(200, "GET", "/v1/whoami", auth, "")
	// The refusals fall within one minute: events are one a minute per
	// credential, so refusals on both sides of a minute's end make two.
	if s := time.Now().Second(); s >= 55 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
	for range 5 {
		if m := c.want(403, "GET", "/v1/whoami", auth, ""); m["message"] != meter.RateLimited {
			t.Fatalf("over the limit: %v", m)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	var got []sweep.Event
	for len(got) == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		got = outboxEvents(t, filepath.Join(dir, devstack.EventsFile), meter.EventRateLimited)
	}
	time.Sleep(2 * time.Second) // two more forwards: nothing again
	got = outboxEvents(t, filepath.Join(dir, devstack.EventsFile), meter.EventRateLimited)
	if len(got) != 1 || got[0].CredentialID != keyID || got[0].Kind != "api_key" || !strings.HasSuffix(got[0].ID, "#"+keyID+"#"+meter.EventRateLimited) {
		t.Fatalf("rate-limited events in the outbox: %+v; want one for %s", got, keyID)
	}
}

// outboxEvents reads the events of type typ in the outbox at path.
func outboxEvents(t *testing.T, path, typ string) []sweep.Event {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sweep.Event
	for lines := bufio.NewScanner(f); lines.Scan(); {
		var e sweep.Event
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
			t.Fatalf("outbox line %q: %v", lines.Text(), err)
		}
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}
