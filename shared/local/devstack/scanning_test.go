package devstack_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/scanning/scanningtest"
	"github.com/tollgate/tollgate/shared/sweep"
)

// TestSecretScanning runs the whole local stack with a deployment secret
// prefix and GitHub's key set in the state folder: a key minted acme_tgk_…
// is reported by a signed request over real HTTP, answered true_positive,
// then refused by the authorizer; its leak is audited, and announced in
// events.jsonl with the url and source. Unsigned or wrongly signed reports
// are refused and change nothing.
func TestSecretScanning(t *testing.T) {
	dir := t.TempDir()
	gh := scanningtest.New(t, 1)
	if err := os.WriteFile(filepath.Join(dir, devstack.ScanningKeysFile), []byte(gh.KeySet(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	at, stop := runLocal(t, dir, func(c *config.Config) {
		c.SecretPrefix, c.ForwardInterval, c.SweepMaxItems, c.SweepInterval = "acme_", time.Second, config.DefaultSweepMaxItems, time.Hour
	})
	defer stop()
	c := client{t, "http://" + at.HTTP}
	adminKey, _ := os.ReadFile(filepath.Join(dir, devstack.AdminKeyFile))
	admin := "Authorization: Bearer " + strings.TrimSpace(string(adminKey))
	if !strings.HasPrefix(string(adminKey), "acme_tgk_") {
		t.Fatalf("bootstrap key %.9s…: not minted with the deployment prefix", adminKey)
	}
	k := c.want(201, "POST", "/v1/keys", admin, `{"name":"leaky"}`)
	tok, keyID := k["key"].(string), k["keyId"].(string)
	if !strings.HasPrefix(tok, "acme_tgk_") || !strings.HasPrefix(k["hint"].(string), "acme_tgk_…") {
		t.Fatalf("key %.9s…, hint %v: not minted with the deployment prefix", tok, k["hint"])
	}
	auth := "x-api-key: " + tok
	c.want(200, "GET", "/v1/whoami", auth, "")

	report := scanningtest.Leak(tok)
	body := scanningtest.Body(t, report)
	post := func(hdr map[string]string, body []byte) (int, []byte) {
		req, _ := http.NewRequest("POST", c.url+scanning.Resource, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.Bytes()
	}
	for name, hdr := range map[string]map[string]string{
		"unsigned":         nil,
		"another's key":    scanningtest.New(t, 1).Sign(t, 0, body),
		"another's body":   gh.Sign(t, 0, append(body, '\n')),
		"an admin key too": {"Authorization": "Bearer " + strings.TrimSpace(string(adminKey))},
	} {
		if status, answer := post(hdr, body); status != 401 || bytes.Contains(answer, []byte(tok)) {
			t.Fatalf("%s: answered %d %s, want 401", name, status, answer)
		}
	}
	c.want(200, "GET", "/v1/whoami", auth, "")

	status, answer := post(gh.Sign(t, 0, body), body)
	if status != 200 {
		t.Fatalf("signed report answered %d %s", status, answer)
	}
	var results []scanning.Result
	if err := json.Unmarshal(answer, &results); err != nil || len(results) != 1 ||
		results[0] != (scanning.Result{TokenHash: scanningtest.Hash(tok), TokenType: report.Type, Label: scanning.TruePositive}) {
		t.Fatalf("answer %s (%v)", answer, err)
	}
	c.want(401, "GET", "/v1/whoami", auth, "")
	if got := c.want(200, "GET", "/v1/keys/"+keyID, admin, ""); got["status"] != "inactive" {
		t.Fatalf("key after the report: %v", got)
	}
	recs := c.want(200, "GET", "/v1/audit?targetId="+keyID, admin, "")["items"].([]any)
	if len(recs) == 0 || recs[0].(map[string]any)["action"] != "credential.leaked" || recs[0].(map[string]any)["actor"] != scanning.Actor {
		t.Fatalf("audit of the key: %v", recs)
	}
	if b, _ := json.Marshal(recs); bytes.Contains(b, []byte(tok)) {
		t.Fatal("the audit log holds the token")
	}

	deadline := time.Now().Add(15 * time.Second)
	var got []sweep.Event
	for len(got) == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		got = outboxEvents(t, filepath.Join(dir, devstack.EventsFile), scanning.EventLeaked)
	}
	if len(got) != 1 || got[0].CredentialID != keyID || got[0].URL != report.URL || got[0].Source != report.Source || got[0].Kind != "api_key" {
		t.Fatalf("credential.leaked events in the outbox: %+v", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, devstack.EventsFile)); bytes.Contains(b, []byte(tok)) {
		t.Fatal("the outbox holds the token")
	}
}
