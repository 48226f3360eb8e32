package devstack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/sas"
)

// racers is how many requests each race sends at once.
const racers = 24

// acked is one answer of a race: its status and decoded body.
type acked struct {
	status int
	body   map[string]any
}

// race sends racers requests at once, request i being req(i), each
// authenticated by auth, and returns the answers by i. Every answer must
// be 200 or, for a request that kept colliding, 409.
func (c client) race(auth string, req func(i int) (method, path, body string)) []acked {
	c.t.Helper()
	out := make([]acked, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			method, path, body := req(i)
			r, _ := http.NewRequest(method, c.url+path, strings.NewReader(body))
			name, value, _ := strings.Cut(auth, ": ")
			r.Header.Set(name, value)
			r.Header.Set("Content-Type", "application/json")
			<-start
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				c.t.Error(err)
				return
			}
			defer resp.Body.Close()
			out[i].status = resp.StatusCode
			_ = json.NewDecoder(resp.Body).Decode(&out[i].body)
		})
	}
	close(start)
	wg.Wait()
	refused := 0
	for i, a := range out {
		switch a.status {
		case http.StatusOK:
		case http.StatusConflict:
			refused++
		default:
			c.t.Fatalf("request %d answered %d: %v", i, a.status, a.body)
		}
	}
	c.t.Logf("%d of %d answered 200, %d refused with 409", racers-refused, racers, refused)
	return out
}

// TestConcurrentUserChanges: a PATCH that disables a user, racing PATCHes
// of its scopes and roles, is never undone by them (each re-reads and
// writes on condition of the version it read): every 200 is in the final
// state.
func TestConcurrentUserChanges(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	auth := "x-api-key: " + admin
	u := c.want(201, "POST", "/v1/users", auth, `{"username":"racer","roles":[],"scopes":["echo:read"]}`)
	path := "/v1/users/" + u["userId"].(string)
	bodies := []string{`{"disabled":true}`, `{"scopes":["echo:read","echo:write"]}`, `{"roles":["credential-issuer"]}`}
	got := c.race(auth, func(i int) (string, string, string) { return "PATCH", path, bodies[i%len(bodies)] })
	final := c.want(200, "GET", path, auth, "")
	want := map[int]string{0: "true", 1: "[echo:read echo:write]", 2: "[credential-issuer]"}
	field := map[int]string{0: "disabled", 1: "scopes", 2: "roles"}
	for i, a := range got {
		if a.status == http.StatusOK && fmt.Sprint(final[field[i%3]]) != want[i%3] {
			t.Fatalf("PATCH %s answered 200, yet the user ended with %s = %v", bodies[i%3], field[i%3], final[field[i%3]])
		}
	}
}

// TestConcurrentSASRegeneration: regenerations of the primary and the
// secondary key racing each other keep every acknowledged new key (until
// a later regeneration of the same key), so a token signed with a
// replaced key stops working and one signed with the final keys works.
func TestConcurrentSASRegeneration(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	auth := "x-api-key: " + admin
	before := c.want(200, "GET", "/v1/sas", auth, "")
	which := []string{sas.Primary, sas.Secondary}
	got := c.race(auth, func(i int) (string, string, string) {
		return "POST", "/v1/sas/regenerate", `{"key":"` + which[i%2] + `"}`
	})
	final := c.want(200, "GET", "/v1/sas", auth, "")
	field := map[string]string{sas.Primary: "primaryKey", sas.Secondary: "secondaryKey"}
	for _, k := range which {
		var written []any
		for i, a := range got {
			if a.status == http.StatusOK && which[i%2] == k {
				written = append(written, a.body[field[k]])
			}
		}
		if len(written) > 0 && !slices.Contains(written, final[field[k]]) {
			t.Fatalf("the final %s key is none of the %d acknowledged regenerations", k, len(written))
		}
	}
	id := final["identifier"].(string)
	expiry := time.Now().Add(time.Hour)
	for _, k := range which {
		old := "Authorization: " + sas.Sign(id, before[field[k]].(string), expiry)
		now := "Authorization: " + sas.Sign(id, final[field[k]].(string), expiry)
		c.want(401, "GET", "/v1/whoami", old, "")
		c.want(200, "GET", "/v1/whoami", now, "")
	}
}

// TestConcurrentKeyChanges: deactivating a key while others rename it
// leaves it inactive: no rename writes back the status it read.
func TestConcurrentKeyChanges(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	auth := "x-api-key: " + admin
	k := c.want(201, "POST", "/v1/keys", auth, `{"name":"before"}`)
	path := "/v1/keys/" + k["keyId"].(string)
	got := c.race(auth, func(i int) (string, string, string) {
		if i == 0 {
			return "PATCH", path, `{"status":"inactive"}`
		}
		return "PATCH", path, `{"name":"after"}`
	})
	final := c.want(200, "GET", path, auth, "")
	if got[0].status == http.StatusOK && final["status"] != "inactive" {
		t.Fatalf("deactivation answered 200, yet the key is %v", final["status"])
	}
	c.want(401, "GET", "/v1/whoami", "x-api-key: "+k["key"].(string), "")
}
