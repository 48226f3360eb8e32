package management_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
)

// Field sets of a key as the API shows it.
var (
	createdKeyFields = []string{"createdAt", "expiresAt", "hint", "key", "keyId", "lastUsedAt", "name", "owner", "quota", "rateLimit", "scopes", "status"}
	keyFields        = []string{"createdAt", "expiresAt", "hint", "keyId", "lastUsedAt", "name", "owner", "quota", "rateLimit", "scopes", "status"}
)

func keyReq(method, keyID, body string) request {
	resource := "/v1/keys/{keyId}"
	if method == http.MethodPost {
		resource += "/rotate"
	}
	return request{method: method, resource: resource, params: map[string]string{"keyId": keyID}, body: body}
}

func TestCreateKey(t *testing.T) {
	ninety := rfc3339(t0.Add(90 * 24 * time.Hour))
	keyRoute.run(t, []createCase{
		{name: "defaults", who: "alice", body: `{"name":"ci"}`, status: http.StatusCreated,
			check: func(t *testing.T, f *fixture, r response) {
				keyID := r.created(t, createdKeyFields, "keyId", apikey.IDPrefix, "/v1/keys/")
				tok := r.str(t, "key")
				if r.str(t, "name") != "ci" || r.str(t, "owner") != f.users["alice"].ID || r.str(t, "status") != "active" ||
					r.str(t, "createdAt") != rfc3339(t0) || r.str(t, "expiresAt") != ninety || !r.isNull("lastUsedAt") {
					t.Errorf("body %s", r.Body)
				}
				if !r.isNull("scopes") {
					t.Errorf("omitted scopes answered %s, want null (inherits the owner's)", r.fields["scopes"])
				}
				hint := r.str(t, "hint")
				if hint != "tgk_…"+tok[len(tok)-4:] || utf8.RuneCountInString(hint) > 16 {
					t.Errorf("hint = %q for key …%s", hint, tok[len(tok)-4:])
				}
				k := f.storedKey(t, keyID)
				if k.Hash != secret.Sum(tok) || k.Scopes != nil || k.ExpiresAt == nil || !k.ExpiresAt.Equal(t0.Add(apikey.DefaultLifetime)) ||
					k.Owner != f.users["alice"].ID || k.Status != apikey.Active {
					t.Errorf("stored %+v", k)
				}
			}},
		{name: "scopes sorted and deduplicated", who: "alice", body: `{"name":"ci","scopes":["echo:read","credentials:read","echo:read"]}`,
			status: http.StatusCreated, check: func(t *testing.T, f *fixture, r response) {
				if got := r.strs(t, "scopes"); !slices.Equal(got, []string{"credentials:read", "echo:read"}) {
					t.Errorf("scopes = %v", got)
				}
			}},
		{name: "empty scopes stay empty", who: "alice", body: `{"name":"ci","scopes":[]}`, status: http.StatusCreated,
			check: func(t *testing.T, f *fixture, r response) {
				if string(r.fields["scopes"]) != "[]" {
					t.Errorf("scopes = %s, want []", r.fields["scopes"])
				}
				if k := f.storedKey(t, r.str(t, "keyId")); k.Scopes == nil {
					t.Error("stored scopes nil: the key would inherit every owner scope")
				}
			}},
		{name: "expiresAt null: never", who: "alice", body: `{"name":"ci","expiresAt":null}`, status: http.StatusCreated,
			check: func(t *testing.T, f *fixture, r response) {
				if !r.isNull("expiresAt") {
					t.Errorf("expiresAt = %s, want null", r.fields["expiresAt"])
				}
				if k := f.storedKey(t, r.str(t, "keyId")); k.ExpiresAt != nil {
					t.Errorf("stored expiry %v", k.ExpiresAt)
				}
			}},
		{name: "expiresAt given", who: "alice", body: `{"name":"ci","expiresAt":"2027-01-01T00:00:00Z"}`, status: http.StatusCreated,
			check: func(t *testing.T, f *fixture, r response) {
				if got := r.str(t, "expiresAt"); got != "2027-01-01T00:00:00Z" {
					t.Errorf("expiresAt = %q", got)
				}
			}},
		{name: "expiresAt with offset answered in UTC", who: "alice", body: `{"name":"ci","expiresAt":"2027-01-01T12:00:00+02:00"}`, status: http.StatusCreated,
			check: func(t *testing.T, f *fixture, r response) {
				if got := r.str(t, "expiresAt"); got != "2027-01-01T10:00:00Z" {
					t.Errorf("expiresAt = %q", got)
				}
			}},
		{name: "expiresAt one second ahead", who: "alice", body: `{"name":"ci","expiresAt":"` + rfc3339(t0.Add(time.Second)) + `"}`, status: http.StatusCreated},
		{name: "expiresAt omitted under strict deployment", who: "alice", body: `{"name":"ci"}`, opts: []fixtureOption{strictExpiry},
			status: http.StatusCreated, check: func(t *testing.T, f *fixture, r response) {
				if got := r.str(t, "expiresAt"); got != ninety {
					t.Errorf("expiresAt = %q", got)
				}
			}},

		{name: "scopes beyond the owner's", who: "alice", body: `{"name":"ci","scopes":["echo:read","users:admin"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes within a restricted credential", who: "alice:narrow", body: `{"name":"ci","scopes":["echo:read"]}`, status: http.StatusCreated},
		{name: "the all scope", who: "alice", body: `{"name":"ci","scopes":["*"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes with a number", who: "alice", body: `{"name":"ci","scopes":[1]}`, status: http.StatusBadRequest, field: "scopes"},

		{name: "owner itself, not admin", who: "alice", body: `{"name":"ci","owner":"{alice}"}`, status: http.StatusCreated,
			check: func(t *testing.T, f *fixture, r response) {
				if r.str(t, "owner") != f.users["alice"].ID {
					t.Errorf("owner = %q", r.str(t, "owner"))
				}
			}},
		{name: "owner another user, by admin", who: "admin", body: `{"name":"ci","owner":"{bob}"}`, status: http.StatusCreated,
			check: func(t *testing.T, f *fixture, r response) {
				if r.str(t, "owner") != f.users["bob"].ID || !r.isNull("scopes") {
					t.Errorf("body %s", r.Body)
				}
				if k := f.storedKey(t, r.str(t, "keyId")); k.Owner != f.users["bob"].ID {
					t.Errorf("stored owner %q", k.Owner)
				}
			}},
		{name: "owner without a role, by admin", who: "admin", body: `{"name":"ci","owner":"{carol}","scopes":["echo:read"]}`, status: http.StatusCreated},

		{name: "name blank", who: "alice", body: `{"name":"   "}`, status: http.StatusBadRequest, field: "name"},
		{name: "name of 100 characters", who: "alice", body: `{"name":"` + strings.Repeat("é", 100) + `"}`, status: http.StatusCreated},
		{name: "name with a control character", who: "alice", body: `{"name":"a\u0000b"}`, status: http.StatusBadRequest, field: "name"},
		{name: "name with a newline", who: "alice", body: `{"name":"a\nb"}`, status: http.StatusBadRequest, field: "name"},
		{name: "name wrong type", who: "alice", body: `{"name":["ci"]}`, status: http.StatusBadRequest, field: "name"},
	})
}

// keyCreated checks what every 201 of POST /v1/keys holds.
func keyCreated(t *testing.T, _ *fixture, _ createCase, r response) {
	t.Helper()
	r.hasFields(t, createdKeyFields)
	if r.Headers["Cache-Control"] != "no-store" {
		t.Errorf("Cache-Control = %q", r.Headers["Cache-Control"])
	}
}

// TestCreateKeyBody: how POST /v1/keys reads its body.
func TestCreateKeyBody(t *testing.T) {
	keyRoute.run(t, []createCase{
		{name: "unknown field", who: "alice", body: `{"name":"ci","colour":"red"}`, status: http.StatusBadRequest, field: "colour"},
		{name: "field name in other case is unknown", who: "alice", body: `{"Name":"ci","SCOPES":["echo:read"]}`, status: http.StatusBadRequest, field: "Name"},
		{name: "duplicate field", who: "alice", body: `{"name":"a","name":"b","scopes":[]}`, status: http.StatusBadRequest, field: "name"},
		{name: "key may not be chosen", who: "alice", body: `{"name":"ci","key":"tgk_x"}`, status: http.StatusBadRequest, field: "key"},
		{name: "status may not be chosen", who: "alice", body: `{"name":"ci","status":"inactive"}`, status: http.StatusBadRequest, field: "status"},
		{name: "body an array", who: "alice", body: `[{"name":"ci"}]`, status: http.StatusBadRequest, field: "body"},
		{name: "malformed body", who: "alice", body: `{"name":"ci"`, status: http.StatusBadRequest, field: "body"},
		{name: "body over 64 KiB", who: "alice", body: `{"name":"ci","scopes":[` + strings.Repeat(`"echo:read",`, 6000) + `"echo:read"]}`,
			status: http.StatusBadRequest, field: "body"},
		{name: "base64 body", who: "alice", body: `{"name":"ci","scopes":["echo:read"]}`, base64: true, status: http.StatusCreated},
		{name: "base64 body with unknown field", who: "alice", body: `{"nom":"ci"}`, base64: true, status: http.StatusBadRequest, field: "nom"},
	})
}

func TestCreateKeyInvalidBase64Body(t *testing.T) {
	f := newFixture(t)
	ev := f.event(f.callers["alice"], request{method: "POST", resource: "/v1/keys"})
	ev.Body, ev.IsBase64Encoded = "{not base64}", true
	before := f.snapshot(t)
	raw, err := f.h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	r := response{APIGatewayProxyResponse: raw}
	_ = json.Unmarshal([]byte(raw.Body), &r.fields)
	r.want(t, http.StatusBadRequest, "body")
	checkProblem(t, r)
	if f.snapshot(t) != before {
		t.Error("store changed")
	}
}

func TestListKeys(t *testing.T) {
	f := newFixture(t)
	var aliceKeys []string
	for i := range 3 {
		r := f.create(t, "alice", "/v1/keys", `{"name":"k`+strconv.Itoa(i)+`","scopes":["echo:read"]}`)
		aliceKeys = append([]string{r.str(t, "keyId")}, aliceKeys...) // newest first
		f.clock.Advance(time.Minute)
	}
	bobKey := f.seedKey(t, "bob", nil, t0, nil)

	tests := []struct {
		name   string
		who    string
		query  map[string]string
		status int
		want   []string
	}{
		{"own keys", "alice", nil, http.StatusOK, aliceKeys},
		{"own keys named as owner", "alice", map[string]string{"owner": "{alice}"}, http.StatusOK, aliceKeys},
		{"another's keys", "bob", nil, http.StatusOK, []string{bobKey.ID}},
		{"no keys", "carol", nil, http.StatusOK, nil},
		{"admin's own", "admin", nil, http.StatusOK, nil},
		{"admin names an owner", "admin", map[string]string{"owner": "{alice}"}, http.StatusOK, aliceKeys},
		{"admin names an unknown owner", "admin", map[string]string{"owner": "nobody"}, http.StatusOK, nil},
		{"owner named by non-admin", "bob", map[string]string{"owner": "{alice}"}, http.StatusForbidden, nil},
		{"empty owner named by non-admin", "bob", map[string]string{"owner": ""}, http.StatusForbidden, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.send(t, tt.who, request{method: "GET", resource: "/v1/keys", query: tt.query})
			r.want(t, tt.status, "")
			if tt.status != http.StatusOK {
				return
			}
			items, next := r.items(t, keyFields)
			if got := memberStrs(items, "keyId"); !slices.Equal(got, tt.want) {
				t.Errorf("keys = %v, want %v", got, tt.want)
			}
			if next != nil {
				t.Errorf("nextCursor = %q, want null", *next)
			}
			if strings.Contains(r.Body, `"key"`) || strings.Contains(strings.ToLower(r.Body), "hash") {
				t.Errorf("list shows a secret or hash: %s", r.Body)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		got, sizes, last := f.pages(t, "alice", "/v1/keys", 2, keyFields, "keyId")
		if !strings.Contains(last.Body, `"nextCursor":null`) {
			t.Errorf("last page %s", last.Body)
		}
		if !slices.Equal(sizes, []int{2, 1}) {
			t.Errorf("page sizes %v, want [2 1]", sizes)
		}
		if !slices.Equal(got, aliceKeys) {
			t.Errorf("pages = %v, want %v", got, aliceKeys)
		}
	})
}

func TestGetKey(t *testing.T) {
	f := newFixture(t)
	exp := t0.Add(time.Hour)
	alices := f.seedKey(t, "alice", scope.Set{"echo:read"}, t0.Add(-time.Minute), &exp)
	unknown := f.send(t, "alice", keyReq("GET", id.New(apikey.IDPrefix), ""))
	unknown.want(t, http.StatusNotFound, "")

	tests := []struct {
		name   string
		who    string
		status int
	}{
		{"owner", "alice", http.StatusOK},
		{"owner with a narrow credential", "alice:narrow", http.StatusOK},
		{"admin", "admin", http.StatusOK},
		{"another issuer", "bob", http.StatusNotFound},
		{"a user without roles", "carol", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.send(t, tt.who, keyReq("GET", alices.ID, ""))
			r.want(t, tt.status, "")
			if tt.status == http.StatusNotFound {
				if r.Body != unknown.Body {
					t.Errorf("someone else's key answered %s, an unknown key %s: existence leaks", r.Body, unknown.Body)
				}
				return
			}
			r.hasFields(t, keyFields)
			if r.str(t, "keyId") != alices.ID || r.str(t, "name") != alices.Name || r.str(t, "hint") != alices.Hint ||
				r.str(t, "expiresAt") != rfc3339(exp) || r.str(t, "createdAt") != rfc3339(t0.Add(-time.Minute)) ||
				r.str(t, "status") != "active" || !slices.Equal(r.strs(t, "scopes"), []string{"echo:read"}) {
				t.Errorf("body %s", r.Body)
			}
		})
	}

	t.Run("expired status is derived", func(t *testing.T) {
		f.clock.Advance(time.Hour)
		r := f.send(t, "alice", keyReq("GET", alices.ID, ""))
		r.want(t, http.StatusOK, "")
		if r.str(t, "status") != "expired" {
			t.Errorf("status = %q at expiry", r.str(t, "status"))
		}
	})
}

func TestUpdateKey(t *testing.T) {
	tests := []struct {
		name   string
		who    string
		body   string
		status int
		field  string
		check  func(t *testing.T, r response, k apikey.Key)
	}{
		{name: "deactivate", who: "alice", body: `{"status":"inactive"}`, status: http.StatusOK,
			check: func(t *testing.T, r response, k apikey.Key) {
				if r.str(t, "status") != "inactive" || k.Status != apikey.Inactive {
					t.Errorf("answered %s, stored %q", r.str(t, "status"), k.Status)
				}
			}},
		{name: "activate", who: "alice", body: `{"status":"active"}`, status: http.StatusOK,
			check: func(t *testing.T, r response, k apikey.Key) {
				if r.str(t, "status") != "active" || k.Status != apikey.Active {
					t.Errorf("answered %s, stored %q", r.str(t, "status"), k.Status)
				}
			}},
		{name: "rename", who: "alice", body: `{"name":"renamed"}`, status: http.StatusOK,
			check: func(t *testing.T, r response, k apikey.Key) {
				if r.str(t, "name") != "renamed" || k.Name != "renamed" || r.str(t, "status") != "active" {
					t.Errorf("answered %s, stored %+v", r.Body, k)
				}
			}},
		{name: "both", who: "alice", body: `{"status":"active","name":"both"}`, status: http.StatusOK,
			check: func(t *testing.T, r response, k apikey.Key) {
				if r.str(t, "name") != "both" || r.str(t, "status") != "active" {
					t.Errorf("answered %s", r.Body)
				}
			}},
		{name: "by admin", who: "admin", body: `{"status":"active"}`, status: http.StatusOK},
		{name: "bad status", who: "alice", body: `{"status":"revoked"}`, status: http.StatusBadRequest, field: "status"},
		{name: "status expired", who: "alice", body: `{"status":"expired"}`, status: http.StatusBadRequest, field: "status"},
		{name: "status in capitals", who: "alice", body: `{"status":"ACTIVE"}`, status: http.StatusBadRequest, field: "status"},
		{name: "status empty", who: "alice", body: `{"status":""}`, status: http.StatusBadRequest, field: "status"},
		{name: "status wrong type", who: "alice", body: `{"status":true}`, status: http.StatusBadRequest, field: "status"},
		{name: "empty object", who: "alice", body: `{}`, status: http.StatusBadRequest},
		{name: "only nulls", who: "alice", body: `{"status":null,"name":null}`, status: http.StatusBadRequest},
		{name: "empty body", who: "alice", body: ``, status: http.StatusBadRequest, field: "body"},
		{name: "name blank", who: "alice", body: `{"status":"active","name":" "}`, status: http.StatusBadRequest, field: "name"},
		{name: "name too long", who: "alice", body: `{"name":"` + strings.Repeat("n", 101) + `"}`, status: http.StatusBadRequest, field: "name"},
		{name: "scopes are not patchable", who: "alice", body: `{"status":"active","scopes":["echo:write"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "expiresAt is not patchable", who: "alice", body: `{"expiresAt":null}`, status: http.StatusBadRequest, field: "expiresAt"},
		{name: "someone else's key", who: "bob", body: `{"status":"inactive"}`, status: http.StatusNotFound},
	}
	// One key is patched by the cases in order, as a client would.
	f := newFixture(t)
	k := f.seedKey(t, "alice", scope.Set{"echo:read"}, t0, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.send(t, tt.who, keyReq("PATCH", k.ID, tt.body))
			r.want(t, tt.status, tt.field)
			if tt.status != http.StatusOK {
				return
			}
			r.hasFields(t, keyFields)
			f.getShows(t, "alice", keyReq("GET", k.ID, ""), r)
			if tt.check != nil {
				tt.check(t, r, f.storedKey(t, k.ID))
			}
		})
	}
}

func TestDeleteKey(t *testing.T) {
	f := newFixture(t)
	alices := f.seedKey(t, "alice", nil, t0, nil)
	bobs := f.seedKey(t, "bob", nil, t0, nil)

	f.walk(t, []step{
		{"someone else's key", "bob", keyReq("DELETE", alices.ID, ""), http.StatusNotFound},
		{"still there", "alice", keyReq("GET", alices.ID, ""), http.StatusOK},
		{"own key", "alice", keyReq("DELETE", alices.ID, ""), http.StatusNoContent},
		{"gone", "alice", keyReq("GET", alices.ID, ""), http.StatusNotFound},
		{"gone for the admin too", "admin", keyReq("GET", alices.ID, ""), http.StatusNotFound},
		{"delete again", "alice", keyReq("DELETE", alices.ID, ""), http.StatusNotFound},
		{"patch after delete", "alice", keyReq("PATCH", alices.ID, `{"status":"active"}`), http.StatusNotFound},
		{"rotate after delete", "alice", keyReq("POST", alices.ID, ""), http.StatusNotFound},
		{"admin deletes another's key", "admin", keyReq("DELETE", bobs.ID, ""), http.StatusNoContent},
		{"owner sees it gone", "bob", keyReq("GET", bobs.ID, ""), http.StatusNotFound},
	})
	for _, k := range []apikey.Key{alices, bobs} {
		if _, err := f.store.Store.GetKeyByHash(context.Background(), project, k.Hash); err == nil {
			t.Errorf("key %s still found by its hash", k.ID)
		}
	}
}

// rotateCase is one POST /v1/keys/{keyId}/rotate of a freshly seeded key
// and what it must answer.
type rotateCase struct {
	name      string
	owner     string
	keyScopes scope.Set
	expires   *time.Time
	inactive  bool
	who       string
	body      string
	status    int
	field     string
	oldEnds   *time.Time // the old key's expiresAt after a 201
}

// afterT0 is t0+d as a pointer, as key expiries are.
func afterT0(d time.Duration) *time.Time { v := t0.Add(d); return &v }

func TestRotateKey(t *testing.T) {
	for _, tt := range slices.Concat(rotateAccepted(), rotateRefused(), rotateBadBodies()) {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
}

// rotateAccepted: rotations answered 201, with when the old key ends.
func rotateAccepted() []rotateCase {
	return []rotateCase{
		{name: "default overlap", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: afterT0(30 * 24 * time.Hour),
			who: "alice", body: ``, status: http.StatusCreated, oldEnds: afterT0(24 * time.Hour)},
		{name: "empty object", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: afterT0(30 * 24 * time.Hour),
			who: "alice", body: `{}`, status: http.StatusCreated, oldEnds: afterT0(24 * time.Hour)},
		{name: "no overlap", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: afterT0(30 * 24 * time.Hour),
			who: "alice", body: `{"overlapSeconds":0}`, status: http.StatusCreated, oldEnds: afterT0(0)},
		{name: "one hour overlap", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":3600}`, status: http.StatusCreated, oldEnds: afterT0(time.Hour)},
		{name: "overlap past the old expiry", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: afterT0(time.Hour),
			who: "alice", body: ``, status: http.StatusCreated, oldEnds: afterT0(time.Hour)},
		{name: "never-expiring key", owner: "alice", keyScopes: nil,
			who: "alice", body: ``, status: http.StatusCreated, oldEnds: afterT0(24 * time.Hour)},
		{name: "longest overlap", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":2592000}`, status: http.StatusCreated, oldEnds: afterT0(management.MaxOverlap)},
		{name: "admin rotates another's key", owner: "bob", keyScopes: nil,
			who: "admin", body: ``, status: http.StatusCreated, oldEnds: afterT0(24 * time.Hour)},
		{name: "restricted credential covering the key", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice:narrow", body: ``, status: http.StatusCreated, oldEnds: afterT0(24 * time.Hour)},
	}
}

// rotateRefused: callers who may not rotate the key, and keys that cannot rotate.
func rotateRefused() []rotateCase {
	return []rotateCase{
		{name: "credential with fewer scopes than the key", owner: "alice", keyScopes: scope.Set{"echo:read", "echo:write"},
			who: "alice:narrow", body: ``, status: http.StatusForbidden},
		{name: "credential with fewer scopes than an inheriting key", owner: "alice", keyScopes: nil,
			who: "alice:narrow", body: ``, status: http.StatusForbidden},
		{name: "no issuing role", owner: "carol", keyScopes: scope.Set{"echo:read"},
			who: "carol", body: ``, status: http.StatusForbidden},
		{name: "someone else's key", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "bob", body: ``, status: http.StatusNotFound},
		{name: "inactive key", owner: "alice", keyScopes: scope.Set{"echo:read"}, inactive: true,
			who: "alice", body: ``, status: http.StatusConflict},
		{name: "expired key", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: afterT0(-time.Second),
			who: "alice", body: ``, status: http.StatusConflict},
	}
}

// rotateBadBodies: bodies refused with a 400 naming the field.
func rotateBadBodies() []rotateCase {
	return []rotateCase{
		{name: "negative overlap", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":-1}`, status: http.StatusBadRequest, field: "overlapSeconds"},
		{name: "overlap too long", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":2592001}`, status: http.StatusBadRequest, field: "overlapSeconds"},
		{name: "overlap huge", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":1e30}`, status: http.StatusBadRequest, field: "overlapSeconds"},
		{name: "overlap a fraction", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":1.5}`, status: http.StatusBadRequest, field: "overlapSeconds"},
		{name: "overlap a string", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":"60"}`, status: http.StatusBadRequest, field: "overlapSeconds"},
		{name: "unknown field", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlap":60}`, status: http.StatusBadRequest, field: "overlap"},
		{name: "malformed body", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":`, status: http.StatusBadRequest, field: "body"},
		{name: "whitespace body", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: " ", status: http.StatusBadRequest, field: "body"},
		{name: "body an array", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `[]`, status: http.StatusBadRequest, field: "body"},
		{name: "body null", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `null`, status: http.StatusBadRequest, field: "body"},
	}
}

// run seeds the case's key in a fixture of its own and rotates it; after a
// 201 it checks the successor and the old key, and that only the successor
// rotates again.
func (tt rotateCase) run(t *testing.T) {
	f := newFixture(t)
	old := f.seedKey(t, tt.owner, tt.keyScopes, t0.Add(-time.Hour), tt.expires)
	if tt.inactive {
		old.Status = apikey.Inactive
		if err := f.store.UpdateKey(context.Background(), old); err != nil {
			t.Fatal(err)
		}
	}
	r := f.send(t, tt.who, keyReq("POST", old.ID, tt.body))
	r.want(t, tt.status, tt.field)
	if tt.status != http.StatusCreated {
		return
	}
	newID := wantSuccessor(t, old, r)
	tt.wantOldEnded(t, f, old, newID)

	// The old key rotates only once; the successor rotates on.
	f.send(t, tt.who, keyReq("POST", old.ID, tt.body)).want(t, http.StatusConflict, "")
	f.send(t, tt.who, keyReq("POST", newID, `{"overlapSeconds":60}`)).want(t, http.StatusCreated, "")
}

// wantSuccessor checks that the 201 r of rotating old shows a new key with
// a new secret and old's name, owner, expiry and scopes; it returns its id.
func wantSuccessor(t *testing.T, old apikey.Key, r response) string {
	t.Helper()
	newID := r.created(t, createdKeyFields, "keyId", apikey.IDPrefix, "/v1/keys/")
	if newID == old.ID {
		t.Errorf("new keyId %q, old %q", newID, old.ID)
	}
	if secret.Sum(r.str(t, "key")) == old.Hash {
		t.Error("rotation returned the old secret")
	}
	wantExp := "null"
	if old.ExpiresAt != nil {
		wantExp = `"` + rfc3339(*old.ExpiresAt) + `"`
	}
	if r.str(t, "name") != old.Name || r.str(t, "owner") != old.Owner || string(r.fields["expiresAt"]) != wantExp ||
		r.str(t, "status") != "active" || r.str(t, "createdAt") != rfc3339(t0) || !r.isNull("lastUsedAt") {
		t.Errorf("successor %s, old %+v", r.Body, old)
	}
	if old.Scopes == nil {
		if !r.isNull("scopes") {
			t.Errorf("successor scopes %s, want null (inherits)", r.fields["scopes"])
		}
	} else if !slices.Equal(r.strs(t, "scopes"), old.Scopes) {
		t.Errorf("successor scopes %s, want %v", r.fields["scopes"], old.Scopes)
	}
	return newID
}

// wantOldEnded checks that the rotated key old changed only its expiry, to
// tt.oldEnds, and that a GET shows it with rotatedTo newID.
func (tt rotateCase) wantOldEnded(t *testing.T, f *fixture, old apikey.Key, newID string) {
	t.Helper()
	ended := f.storedKey(t, old.ID)
	if ended.ExpiresAt == nil || !ended.ExpiresAt.Equal(*tt.oldEnds) {
		t.Errorf("old key ends %v, want %v", ended.ExpiresAt, tt.oldEnds)
	}
	if ended.Hash != old.Hash || ended.Status != old.Status || ended.Name != old.Name {
		t.Errorf("old key changed beyond its expiry: %+v", ended)
	}
	got := f.send(t, tt.who, keyReq("GET", old.ID, ""))
	got.want(t, http.StatusOK, "")
	if fields := fieldsOf(got); !slices.Equal(fields, slices.Sorted(slices.Values(append([]string{"rotatedTo"}, keyFields...)))) {
		t.Errorf("GET old key fields = %v, want the key fields and rotatedTo", fields)
	}
	if got.str(t, "rotatedTo") != newID {
		t.Errorf("old key rotatedTo = %q, want %q", got.str(t, "rotatedTo"), newID)
	}
	if got.str(t, "expiresAt") != rfc3339(*tt.oldEnds) {
		t.Errorf("GET old key expiresAt = %q, want %s", got.str(t, "expiresAt"), rfc3339(*tt.oldEnds))
	}
	wantStatus := "active"
	if !tt.oldEnds.After(t0) {
		wantStatus = "expired"
	}
	if got.str(t, "status") != wantStatus {
		t.Errorf("old key status %q, want %q", got.str(t, "status"), wantStatus)
	}
}

// aliceKey stores a key of alice's, so that a read of it would show.
func aliceKey(t *testing.T, f *fixture, _ *management.Options) { f.seedKey(t, "alice", nil, t0, nil) }

// TestKeyIDInPath checks that a keyId that cannot be one is answered 404
// before any key is read, on every key route.
func TestKeyIDInPath(t *testing.T) {
	bodies := map[string]string{"GET": "", "PATCH": `{"status":"inactive"}`, "DELETE": "", "POST": ""}
	malformed := []string{
		"", "key", "key_", "key_0123456789ABCDEF", "key_0123456789ABCDEFGH", "KEY_0123456789ABCDEFG",
		"usr_0123456789ABCDEFG", "key-0123456789ABCDEFG", "key_0123456789ABCDEF!", "key_0123456789ABCDEF\u00e9",
		"key_0123456789ABCDEF/", "../users/{alice}", "{alice}", "key_0123456789ABCDEFG\n",
		"key_0123456789ABCDEFG%20", strings.Repeat("k", 2048),
	}
	for _, method := range []string{"GET", "PATCH", "DELETE", "POST"} {
		refusesIDs(t, method, malformed, func(keyID string) request { return keyReq(method, keyID, bodies[method]) }, aliceKey)
		t.Run(method+" well-formed unknown", func(t *testing.T) {
			f := newFixture(t)
			r := f.send(t, "admin", keyReq(method, id.New(apikey.IDPrefix), bodies[method]))
			r.want(t, http.StatusNotFound, "")
			if r.keyReads != 1 {
				t.Errorf("read %d keys, want 1", r.keyReads)
			}
		})
	}
}

// TestSecretsAppearOnlyAtCreation walks every key route after keys were
// created and rotated; send() fails if any later body holds a secret or hash.
func TestSecretsAppearOnlyAtCreation(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, "alice", "/v1/keys", `{"name":"ci"}`)
	keyID := c.str(t, "keyId")
	rot := f.send(t, "alice", keyReq("POST", keyID, `{"overlapSeconds":60}`))
	rot.want(t, http.StatusCreated, "")
	if rot.str(t, "key") == c.str(t, "key") {
		t.Fatal("rotation returned the same secret")
	}
	f.create(t, "admin", "/v1/keys", `{"name":"for bob","owner":"{bob}"}`)
	f.seedKey(t, "bob", scope.Set{"echo:read"}, t0, nil)

	for _, s := range []struct {
		who string
		req request
	}{
		{"alice", request{method: "GET", resource: "/v1/keys"}},
		{"alice", request{method: "GET", resource: "/v1/keys", query: map[string]string{"limit": "1"}}},
		{"admin", request{method: "GET", resource: "/v1/keys", query: map[string]string{"owner": "{bob}"}}},
		{"alice", keyReq("GET", keyID, "")},
		{"alice", keyReq("GET", rot.str(t, "keyId"), "")},
		{"alice", keyReq("PATCH", keyID, `{"status":"inactive"}`)},
		{"alice", keyReq("POST", keyID, "")},
		{"bob", keyReq("GET", keyID, "")},
		{"alice", request{method: "GET", resource: "/v1/whoami"}},
		{"admin", request{method: "GET", resource: "/v1/users"}},
		{"alice", keyReq("DELETE", keyID, "")},
	} {
		f.send(t, s.who, s.req)
	}
}
