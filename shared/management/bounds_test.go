package management_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/scope"
)

// badTexts are names refused with 400 naming the field: invalid UTF-8,
// what JSON decodes it to, control characters and Unicode format
// characters. Each is a JSON string literal's inside; raw bytes travel in a
// base64 body.
var badTexts = []struct{ name, json string }{
	{"invalid UTF-8", "ci\xff\xfe"},
	{"a truncated sequence", "ci\xe2\x80"},
	{"a lone surrogate escape", `ci\ud800`},
	{"U+FFFD", "ci\ufffd"},
	{"NUL", `ci\u0000`},
	{"a newline", `ci\n`},
	{"DEL", "ci\x7f"},
	{"a C1 control (NEL)", "ci\u0085"},
	{"right-to-left override", "ci\u202egpj.exe"},
	{"left-to-right isolate", "\u2066ci"},
	{"zero-width space", "c\u200bi"},
	{"zero-width joiner", "c\u200di"},
	{"byte order mark", "\ufeffci"},
	{"soft hyphen", "c\u00adi"},
	{"a tag character", "ci\U000E0041"},
	{"line separator", "ci\u2028"},
}

// goodTexts are names accepted: letters of any script, emoji, spaces inside.
var goodTexts = []string{"ci", "laptop de José", "مفتاح", "鍵 1", "deploy 🚀", strings.Repeat("é", 100)}

// TestNamesAreText: every route that takes a name refuses the bad texts
// with 400 naming name and nothing written, and takes the good ones.
func TestNamesAreText(t *testing.T) {
	for _, rt := range []struct {
		kind  string
		route createRoute
		ttl   int64
	}{{"key", keyRoute, 0}, {"jwt", jwtRoute, 0}, {"refresh", refreshRoute, 10800}, {"client", clientRoute, 0}} {
		var cases []createCase
		for _, b := range badTexts {
			cases = append(cases, createCase{name: b.name, who: "alice", body: `{"name":"` + b.json + `"}`, base64: true,
				status: http.StatusBadRequest, field: "name"})
		}
		for _, g := range goodTexts {
			cases = append(cases, createCase{name: "accepts " + g, who: "alice", body: `{"name":"` + g + `"}`, base64: true,
				status: http.StatusCreated, exp: t0.Add(90 * day), scope: aliceAll, ttl: rt.ttl, scopes: "null"})
		}
		t.Run(rt.kind, func(t *testing.T) { rt.route.run(t, cases) })
	}
	for _, b := range badTexts {
		t.Run("key rename "+b.name, func(t *testing.T) {
			f := newFixture(t)
			k := f.seedKey(t, "alice", scope.Set{"echo:read"}, t0, nil)
			f.send(t, "alice", request{method: http.MethodPatch, resource: "/v1/keys/{keyId}", params: map[string]string{"keyId": k.ID},
				body: `{"name":"` + b.json + `"}`, base64: true}).want(t, http.StatusBadRequest, "name")
		})
	}
}

// auditRetention is a deployment whose audit log reaches 10 days back.
func auditRetention(_ *testing.T, _ *fixture, o *management.Options) { o.AuditRetention = 10 * day }

// TestAuditBounds: ?since= no earlier than the retention, ?targetId= no
// longer than an identifier can be, both refused before the audit log is
// read (the caller is the only read), and cursors validated.
func TestAuditBounds(t *testing.T) {
	for _, tt := range []struct {
		name   string
		query  map[string]string
		opts   []fixtureOption
		status int
		field  string
	}{
		{"since the year 1", map[string]string{"since": "0001-01-01T00:00:00Z"}, nil, http.StatusBadRequest, "since"},
		{"since a second before the retention", map[string]string{"since": rfc3339(t0.Add(-400*day - time.Second))}, nil,
			http.StatusBadRequest, "since"},
		{"since at the retention", map[string]string{"since": rfc3339(t0.Add(-400 * day))}, nil, http.StatusOK, ""},
		{"since before a shorter retention", map[string]string{"since": rfc3339(t0.Add(-11 * day))},
			[]fixtureOption{auditRetention}, http.StatusBadRequest, "since"},
		{"since before the retention, with a target", map[string]string{"since": "0001-01-01T00:00:00Z", "targetId": "usr_x"}, nil,
			http.StatusBadRequest, "since"},
		{"targetId of 100 bytes", map[string]string{"targetId": strings.Repeat("t", 100)}, nil, http.StatusOK, ""},
		{"targetId of 101 bytes", map[string]string{"targetId": strings.Repeat("t", 101)}, nil, http.StatusBadRequest, "targetId"},
		{"targetId of 3000 bytes", map[string]string{"targetId": strings.Repeat("t", 3000)}, nil, http.StatusBadRequest, "targetId"},
		{"targetId invalid UTF-8", map[string]string{"targetId": "usr_\xff"}, nil, http.StatusBadRequest, "targetId"},
		{"targetId with a control character", map[string]string{"targetId": "usr_\x00"}, nil, http.StatusBadRequest, "targetId"},
		{"cursor forged", map[string]string{"cursor": "MjAyNi0xMS0yM3w"}, nil, http.StatusBadRequest, "cursor"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts...)
			r := f.send(t, "admin", request{method: http.MethodGet, resource: "/v1/audit", query: tt.query})
			r.want(t, tt.status, tt.field)
			if tt.status == http.StatusBadRequest && tt.field != "cursor" && r.reads != 1 {
				t.Errorf("%d store reads; want only the caller's", r.reads)
			}
		})
	}
}

// TestAuditDefaultWithinRetention: without ?since= the list reaches 90
// days back, or the retention where that is shorter.
func TestAuditDefaultWithinRetention(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []fixtureOption
		want int
	}{{"default retention", nil, 1}, {"10-day retention", []fixtureOption{auditRetention}, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts...)
			f.create(t, "alice", "/v1/keys", `{"name":"ci"}`)
			f.clock.Advance(20 * day)
			items, _ := f.send(t, "admin", request{method: http.MethodGet, resource: "/v1/audit"}).items(t, auditFields)
			if len(items) != tt.want {
				t.Errorf("%d records 20 days on, want %d", len(items), tt.want)
			}
		})
	}
}

var auditFields = []string{"action", "actor", "id", "projectId", "requestId", "sourceIp", "targetId", "targetType", "time"}
