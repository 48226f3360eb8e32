package management_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/meter"
)

func usageReq(keyID string) request {
	return request{method: http.MethodGet, resource: "/v1/keys/{keyId}/usage", params: map[string]string{"keyId": keyID}}
}

// TestKeyUsage: every hour of the last seven days, oldest first and the
// current one last, with the counts recorded for it (zero elsewhere), and
// the quota's balance as refilled now; another user's key is 404.
func TestKeyUsage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	exp := t0.Add(24 * time.Hour)
	k, _, err := apikey.New(project, f.users["alice"].ID, "metered", nil, t0.Add(-time.Hour), &exp, "")
	must(t, err)
	day := meter.Day.Start(t0)
	k.Limits.Quota = &meter.Quota{Limit: 100, Remaining: 7, Refill: &meter.Refill{Amount: 50, Interval: meter.Day}, Period: day.AddDate(0, 0, -1)}
	must(t, f.store.CreateKey(ctx, k))
	hour := t0.Truncate(time.Hour)
	must(t, f.store.AddUsage(ctx, project, k.ID, hour, 5, 2))
	must(t, f.store.AddUsage(ctx, project, k.ID, hour.Add(-167*time.Hour), 1, 0))
	must(t, f.store.AddUsage(ctx, project, k.ID, hour.Add(-168*time.Hour), 9, 9)) // before the window

	r := f.send(t, "alice", usageReq(k.ID))
	r.want(t, http.StatusOK, "")
	var got struct {
		Remaining *int64 `json:"remaining"`
		Hours     []struct {
			Start      time.Time `json:"start"`
			Authorized int64     `json:"authorized"`
			Refused    int64     `json:"refused"`
		} `json:"hours"`
	}
	must(t, json.Unmarshal([]byte(r.Body), &got))
	if len(got.Hours) != 168 || !got.Hours[0].Start.Equal(hour.Add(-167*time.Hour)) || !got.Hours[167].Start.Equal(hour) {
		t.Fatalf("%d hours from %v to %v; want 168 ending with the current one", len(got.Hours), got.Hours[0].Start, got.Hours[len(got.Hours)-1].Start)
	}
	if got.Hours[167].Authorized != 5 || got.Hours[167].Refused != 2 || got.Hours[0].Authorized != 1 || got.Hours[1].Authorized != 0 {
		t.Fatalf("counts misplaced: first %+v, second %+v, last %+v", got.Hours[0], got.Hours[1], got.Hours[167])
	}
	if got.Remaining == nil || *got.Remaining != 57 {
		t.Fatalf("remaining = %v, want 7 + one day's refill of 50", got.Remaining)
	}
	f.send(t, "bob", usageReq(k.ID)).want(t, http.StatusNotFound, "")

	free := f.seedKey(t, "alice", nil, t0, &exp)
	if r := f.send(t, "alice", usageReq(free.ID)); r.StatusCode != http.StatusOK || !r.isNull("remaining") {
		t.Fatalf("a key without a quota: %d %s", r.StatusCode, r.Body)
	}
	cl := f.create(t, "alice", "/v1/clients", `{"name":"svc","scopes":["echo:read"]}`).str(t, "clientId")
	clientUsage := request{method: http.MethodGet, resource: "/v1/clients/{clientId}/usage", params: map[string]string{"clientId": cl}}
	if r := f.send(t, "alice", clientUsage); r.StatusCode != http.StatusOK || !r.isNull("remaining") || len(member[[]any](t, r, "hours")) != 168 {
		t.Fatalf("a client's usage: %d %s", r.StatusCode, r.Body)
	}
	f.send(t, "bob", clientUsage).want(t, http.StatusNotFound, "")
}
