package devstack_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/audit"
)

// TestAuditTrailOfAKey: a key's whole lifecycle is in the audit log, newest
// first, with who, from where and in which request, and no secret.
func TestAuditTrailOfAKey(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	adminAuth := "Authorization: Bearer " + admin
	adminID := c.want(200, "GET", "/v1/whoami", adminAuth, "")["principalId"].(string)

	var requestIDs []string
	step := func(status int, method, path, body string) map[string]any {
		t.Helper()
		got, m, hdr := c.do(method, path, adminAuth, body)
		if got != status {
			t.Fatalf("%s %s: status %d, want %d (%v)", method, path, got, status, m)
		}
		requestIDs = append(requestIDs, hdr.Get("X-Amzn-Requestid"))
		return m
	}
	k := step(201, "POST", "/v1/keys", `{"name":"audited"}`)
	keyID, token := k["keyId"].(string), k["key"].(string)
	step(200, "PATCH", "/v1/keys/"+keyID, `{"status":"inactive"}`)
	step(200, "PATCH", "/v1/keys/"+keyID, `{"status":"active"}`)
	rotated := step(201, "POST", "/v1/keys/"+keyID+"/rotate", `{"overlapSeconds":60}`)
	step(204, "DELETE", "/v1/keys/"+keyID, "")

	raw := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", url+path, nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := raw("/v1/audit?targetId=" + keyID)
	if status != 200 {
		t.Fatalf("GET /v1/audit: %d %s", status, body)
	}
	for _, secret := range []string{token, rotated["key"].(string), admin} {
		if strings.Contains(body, secret) {
			t.Fatal("the audit log holds a secret")
		}
	}
	var list struct {
		Items []struct {
			ID, Time, Actor, Action, TargetType, TargetID, ProjectID, SourceIP, RequestID string
		} `json:"items"`
		NextCursor *string `json:"nextCursor"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	want := []string{"key.revoke", "key.rotate", "key.update", "key.update", "key.create"}
	if len(list.Items) != len(want) || list.NextCursor != nil {
		t.Fatalf("audit = %s", body)
	}
	for i, it := range list.Items {
		if it.Action != want[i] || it.Actor != adminID || it.TargetID != keyID || it.TargetType != "api_key" ||
			it.SourceIP != "127.0.0.1" || it.RequestID != requestIDs[len(requestIDs)-1-i] || it.RequestID == "" ||
			it.ID == "" || it.ProjectID == "" || it.Time == "" {
			t.Fatalf("item %d = %+v, want %s (request %s)", i, it, want[i], requestIDs[len(requestIDs)-1-i])
		}
	}

	// Unfiltered, in pages of two: the same five, newest first, after the
	// bootstrap's record of the admin user.
	want = append(want, audit.UserCreate)
	var actions []string
	cursor := ""
	for range 10 {
		m := c.want(200, "GET", "/v1/audit?limit=2"+cursor, adminAuth, "")
		for _, it := range m["items"].([]any) {
			actions = append(actions, it.(map[string]any)["action"].(string))
		}
		next, ok := m["nextCursor"].(string)
		if !ok {
			break
		}
		cursor = "&cursor=" + next
	}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Fatalf("paged actions = %v, want %v", actions, want)
	}

	c.want(400, "GET", "/v1/audit?since=yesterday", adminAuth, "")
	c.want(400, "GET", "/v1/audit?limit=0", adminAuth, "")
	c.want(400, "GET", "/v1/audit?cursor=bm9wZQ", adminAuth, "")
	user := c.want(201, "POST", "/v1/users", adminAuth, `{"username":"nonadmin","roles":["credential-issuer"],"scopes":["audit:read"]}`)
	uk := c.want(201, "POST", "/v1/keys", adminAuth, `{"name":"u","owner":"`+user["userId"].(string)+`"}`)
	c.want(403, "GET", "/v1/audit", "x-api-key: "+uk["key"].(string), "")
}
