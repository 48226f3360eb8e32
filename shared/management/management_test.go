package management_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/user"
)

const project = "default"

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

// Field sets of the contract's resources.
var (
	createdKeyFields = []string{"createdAt", "expiresAt", "hint", "key", "keyId", "lastUsedAt", "name", "owner", "scopes", "status"}
	keyFields        = []string{"createdAt", "expiresAt", "hint", "keyId", "lastUsedAt", "name", "owner", "scopes", "status"}
	userFields       = []string{"createdAt", "disabled", "roles", "scopes", "userId", "username"}
	problemFields    = []string{"detail", "status", "title", "type"}
)

// countingStore is the memory store counting the reads of keys, to prove a
// path answers without looking a key up.
type countingStore struct {
	*memory.Store
	keyReads atomic.Int64
}

func (s *countingStore) GetKey(ctx context.Context, projectID, keyID string) (apikey.Key, error) {
	s.keyReads.Add(1)
	return s.Store.GetKey(ctx, projectID, keyID)
}

func (s *countingStore) ListKeys(ctx context.Context, projectID, owner string, p store.Page) ([]apikey.Key, string, error) {
	s.keyReads.Add(1)
	return s.Store.ListKeys(ctx, projectID, owner, p)
}

// caller is what the authorizer put in the request context.
type caller struct {
	principal, scopes, project string
}

// request is one management API call.
type request struct {
	method   string
	resource string            // the route template, e.g. /v1/keys/{keyId}
	params   map[string]string // path parameters; values may hold {alice} and the like
	query    map[string]string
	body     string
	base64   bool // send body base64-encoded, as API Gateway does for binary bodies
}

// response is a handler answer with what the test measured around it.
type response struct {
	events.APIGatewayProxyResponse
	reads    int64 // store reads of any kind during the call
	keyReads int64 // GetKey and ListKeys calls during the call
	fields   map[string]json.RawMessage
}

type fixture struct {
	store   *countingStore
	clock   *clock.Fake
	h       *management.Handler
	users   map[string]user.User // admin, admin2, alice, bob, carol
	callers map[string]caller
	owners  map[string]bool // every user id that ever existed, for snapshots
	secrets []string        // every secret handed out so far
}

type fixtureOption func(*management.Options)

func strictExpiry(o *management.Options) { o.AllowNonExpiringKeys = false }

// newFixture makes a store holding two admins and three other users:
// alice and bob may issue credentials, carol may not.
func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	f := &fixture{
		store: &countingStore{Store: memory.New()}, clock: clock.NewFake(t0),
		users: map[string]user.User{}, callers: map[string]caller{}, owners: map[string]bool{},
	}
	add := func(name string, roles []string, scopes scope.Set, age time.Duration) {
		u := user.User{ProjectID: project, ID: id.New(user.IDPrefix), Username: name, Roles: roles, Scopes: scopes,
			CreatedAt: t0.Add(-age)}
		if err := f.store.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		f.users[name] = u
		f.owners[u.ID] = true
	}
	add("admin", []string{user.RoleAdmin}, scope.Set{"users:admin"}, 5*time.Hour)
	add("admin2", []string{user.RoleAdmin}, scope.Set{}, 4*time.Hour)
	add("alice", []string{user.RoleCredentialIssuer}, scope.Set{"credentials:read", "credentials:write", "echo:read", "echo:write"}, 3*time.Hour)
	add("bob", []string{user.RoleCredentialIssuer}, scope.Set{"credentials:read", "credentials:write", "echo:read"}, 2*time.Hour)
	add("carol", []string{}, scope.Set{"credentials:read", "credentials:write", "echo:read"}, time.Hour)

	as := func(name, scopes string) caller {
		return caller{principal: f.users[name].ID, scopes: scopes, project: project}
	}
	f.callers = map[string]caller{
		"admin":         as("admin", "*"),
		"admin:narrow":  as("admin", "credentials:read credentials:write"), // admin role, credential without users:admin
		"admin2":        as("admin2", "*"),
		"alice":         as("alice", "credentials:read credentials:write echo:read echo:write"),
		"alice:narrow":  as("alice", "credentials:read credentials:write echo:read"),
		"alice:echo":    as("alice", "echo:read echo:write"), // no credentials:* scope
		"bob":           as("bob", "credentials:read credentials:write echo:read"),
		"carol":         as("carol", "credentials:read credentials:write echo:read"),
		"nobody":        {},
		"other-project": {principal: f.users["admin"].ID, scopes: "*", project: "elsewhere"},
		"ghost":         {principal: id.New(user.IDPrefix), scopes: "*", project: project},
	}
	opt := management.Options{ProjectID: project, AllowNonExpiringKeys: true, Clock: f.clock}
	for _, o := range opts {
		o(&opt)
	}
	f.h = management.New(f.store, opt)
	return f
}

// expand replaces {alice}, {bob}... with those users' ids.
func (f *fixture) expand(s string) string {
	for name, u := range f.users {
		s = strings.ReplaceAll(s, "{"+name+"}", u.ID)
	}
	return s
}

// seedKey stores a key directly, as another process would have issued it.
func (f *fixture) seedKey(t *testing.T, owner string, scopes scope.Set, created time.Time, expires *time.Time) apikey.Key {
	t.Helper()
	k, tok, err := apikey.New(project, f.users[owner].ID, owner+"'s key", scopes, created, expires)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	f.secrets = append(f.secrets, tok)
	return k
}

func (f *fixture) event(c caller, r request) events.APIGatewayProxyRequest {
	params := map[string]string{}
	path := r.resource
	for k, v := range r.params {
		v = f.expand(v)
		params[k] = v
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	query := map[string]string{}
	for k, v := range r.query {
		query[k] = f.expand(v)
	}
	body := f.expand(r.body)
	if r.base64 {
		body = base64.StdEncoding.EncodeToString([]byte(body))
	}
	ev := events.APIGatewayProxyRequest{
		Resource: r.resource, Path: path, HTTPMethod: r.method,
		Headers:               map[string]string{"Content-Type": "application/json"},
		PathParameters:        params,
		QueryStringParameters: query,
		Body:                  body,
		IsBase64Encoded:       r.base64,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "req-1", ResourcePath: r.resource, HTTPMethod: r.method, Stage: "prod",
		},
	}
	if c.principal != "" {
		ev.RequestContext.Authorizer = map[string]any{
			"principalId": c.principal, "credentialType": "api_key", "credentialId": "key_0123456789ABCDEFG",
			"scopes": c.scopes, "projectId": c.project,
		}
	}
	return ev
}

// snapshot is everything the store holds, to prove a call wrote nothing.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var users []user.User
	for cursor := ""; ; {
		page, next, err := f.store.Store.ListUsers(ctx, project, store.Page{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, page...)
		if cursor = next; cursor == "" {
			break
		}
	}
	keys := map[string][]apikey.Key{}
	for owner := range f.owners {
		for cursor := ""; ; {
			page, next, err := f.store.Store.ListKeys(ctx, project, owner, store.Page{Limit: 100, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			keys[owner] = append(keys[owner], page...)
			if cursor = next; cursor == "" {
				break
			}
		}
	}
	b, err := json.Marshal(struct {
		Users []user.User
		Keys  map[string][]apikey.Key
	}{users, keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// storedHashes are the forms in which a stored key hash could leak.
func (f *fixture) storedHashes(t *testing.T) []string {
	t.Helper()
	var out []string
	for owner := range f.owners {
		ks, _, err := f.store.Store.ListKeys(context.Background(), project, owner, store.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			out = append(out, k.Hash.String(), strings.ToUpper(k.Hash.String()),
				base64.StdEncoding.EncodeToString(k.Hash[:]), base64.RawURLEncoding.EncodeToString(k.Hash[:]))
		}
	}
	return out
}

// do serves one request as c and checks what must hold for every answer:
// the handler never fails; a 4xx is a complete problem detail and wrote
// nothing; no body holds a secret handed out before or any stored hash; a
// secret appears only in the 201 that creates it.
func (f *fixture) do(t *testing.T, who string, r request) response {
	t.Helper()
	c, ok := f.callers[who]
	if !ok {
		t.Fatalf("no caller %q", who)
	}
	before := f.snapshot(t)
	reads, keyReads := f.store.Reads.Load(), f.store.keyReads.Load()
	raw, err := f.h.Handle(context.Background(), f.event(c, r))
	resp := response{APIGatewayProxyResponse: raw,
		reads: f.store.Reads.Load() - reads, keyReads: f.store.keyReads.Load() - keyReads}
	if err != nil {
		t.Fatalf("%s %s: Handle returned error %v; every failure must be a response", r.method, r.resource, err)
	}
	if raw.Body != "" {
		if err := json.Unmarshal([]byte(raw.Body), &resp.fields); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", r.method, r.resource, err, raw.Body)
		}
	}
	if raw.StatusCode >= 400 && raw.StatusCode < 500 {
		checkProblem(t, resp)
		if after := f.snapshot(t); after != before {
			t.Errorf("%s %s answered %d but changed the store:\nbefore %s\nafter  %s", r.method, r.resource, raw.StatusCode, before, after)
		}
	}
	for _, s := range f.secrets {
		if strings.Contains(raw.Body, s) || strings.Contains(raw.Body, s[len(s)-20:]) {
			t.Errorf("%s %s: body contains a secret handed out earlier: %s", r.method, r.resource, raw.Body)
		}
	}
	for _, h := range f.storedHashes(t) {
		if strings.Contains(raw.Body, h) {
			t.Errorf("%s %s: body contains a stored key hash %s: %s", r.method, r.resource, h, raw.Body)
		}
	}
	if _, ok := resp.fields["key"]; ok {
		tok := resp.str(t, "key")
		if raw.StatusCode != http.StatusCreated || r.method != http.MethodPost {
			t.Errorf("%s %s answered %d with a secret", r.method, r.resource, raw.StatusCode)
		}
		if _, err := secret.Check(tok, secret.PrefixAPIKey); err != nil {
			t.Errorf("key %q is not a well-formed API key: %v", tok, err)
		}
		if got := raw.Headers["Cache-Control"]; got != "no-store" {
			t.Errorf("response with a secret has Cache-Control %q, want no-store", got)
		}
		if strings.Count(raw.Body, tok) != 1 {
			t.Errorf("the secret appears %d times in %s", strings.Count(raw.Body, tok), raw.Body)
		}
		f.secrets = append(f.secrets, tok)
	}
	if raw.StatusCode == http.StatusCreated && r.resource == "/v1/users" {
		f.owners[resp.str(t, "userId")] = true
	}
	if raw.StatusCode < 300 && raw.StatusCode != http.StatusNoContent {
		if ct := raw.Headers["Content-Type"]; ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
	}
	if raw.StatusCode == http.StatusNoContent && raw.Body != "" {
		t.Errorf("204 with body %q", raw.Body)
	}
	return resp
}

// checkProblem asserts an RFC 9457 problem detail with exactly the
// contract's members.
func checkProblem(t *testing.T, r response) {
	t.Helper()
	if ct := r.Headers["Content-Type"]; ct != "application/problem+json" {
		t.Errorf("%d: Content-Type = %q, want application/problem+json", r.StatusCode, ct)
	}
	if got := slices.Sorted(maps.Keys(r.fields)); !slices.Equal(got, problemFields) {
		t.Errorf("problem members = %v, want %v: %s", got, problemFields, r.Body)
		return
	}
	var status int
	if err := json.Unmarshal(r.fields["status"], &status); err != nil || status != r.StatusCode {
		t.Errorf("problem status = %s, response status %d", r.fields["status"], r.StatusCode)
	}
	if r.str(t, "type") == "" || r.str(t, "title") == "" || r.str(t, "detail") == "" {
		t.Errorf("problem with an empty member: %s", r.Body)
	}
}

func (r response) str(t *testing.T, k string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(r.fields[k], &s); err != nil {
		t.Fatalf("%q = %s, want a string: %v", k, r.fields[k], err)
	}
	return s
}

func (r response) strs(t *testing.T, k string) []string {
	t.Helper()
	var s []string
	if err := json.Unmarshal(r.fields[k], &s); err != nil {
		t.Fatalf("%q = %s, want an array of strings: %v", k, r.fields[k], err)
	}
	return s
}

func (r response) isNull(k string) bool {
	v, ok := r.fields[k]
	return ok && string(v) == "null"
}

// items decodes a list response, checking its shape.
func (r response) items(t *testing.T, fields []string) (items []map[string]json.RawMessage, next *string) {
	t.Helper()
	if got := slices.Sorted(maps.Keys(r.fields)); !slices.Equal(got, []string{"items", "nextCursor"}) {
		t.Fatalf("list members = %v: %s", got, r.Body)
	}
	if string(r.fields["items"]) == "null" {
		t.Fatalf("items is null, want an array: %s", r.Body)
	}
	if err := json.Unmarshal(r.fields["items"], &items); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(r.fields["nextCursor"], &next); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if got := slices.Sorted(maps.Keys(it)); !slices.Equal(got, fields) {
			t.Errorf("item members = %v, want %v", got, fields)
		}
	}
	return items, next
}

// want asserts the status and, for a 4xx, that the detail starts with the
// field at fault (when field is not empty).
func (r response) want(t *testing.T, status int, field string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status = %d, want %d: %s", r.StatusCode, status, r.Body)
	}
	if field != "" {
		if d := r.str(t, "detail"); !strings.HasPrefix(d, field+": ") {
			t.Errorf("detail = %q, want it to start with %q", d, field+": ")
		}
	}
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func fieldsOf(r response) []string { return slices.Sorted(maps.Keys(r.fields)) }

func keyReq(method, keyID, body string) request {
	resource := "/v1/keys/{keyId}"
	if method == http.MethodPost {
		resource += "/rotate"
	}
	return request{method: method, resource: resource, params: map[string]string{"keyId": keyID}, body: body}
}

func userReq(method, userID, body string) request {
	return request{method: method, resource: "/v1/users/{userId}", params: map[string]string{"userId": userID}, body: body}
}

func (f *fixture) storedKey(t *testing.T, keyID string) apikey.Key {
	t.Helper()
	k, err := f.store.Store.GetKey(context.Background(), project, keyID)
	if err != nil {
		t.Fatalf("GetKey(%s): %v", keyID, err)
	}
	return k
}

// ---------------------------------------------------------------- callers

func TestCallerChecks(t *testing.T) {
	tests := []struct {
		name   string
		who    string
		req    request
		status int
	}{
		{"no authorizer context", "nobody", request{method: "GET", resource: "/v1/keys"}, http.StatusUnauthorized},
		{"another project", "other-project", request{method: "GET", resource: "/v1/keys"}, http.StatusUnauthorized},
		{"deleted user", "ghost", request{method: "GET", resource: "/v1/keys"}, http.StatusForbidden},
		{"deleted user creating", "ghost", request{method: "POST", resource: "/v1/keys", body: `{"name":"x"}`}, http.StatusForbidden},
		{"unknown route", "admin", request{method: "GET", resource: "/v1/nothing"}, http.StatusNotFound},
		{"unknown method", "admin", request{method: "PUT", resource: "/v1/keys"}, http.StatusNotFound},
		{"credential without the route's read scope", "alice:echo", request{method: "GET", resource: "/v1/keys"}, http.StatusForbidden},
		{"credential without the route's write scope", "alice:echo", request{method: "POST", resource: "/v1/keys", body: `{"name":"x","scopes":["echo:read"]}`}, http.StatusForbidden},
		{"whoami needs no scope", "alice:echo", request{method: "GET", resource: "/v1/whoami"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.do(t, tt.who, tt.req).want(t, tt.status, "")
		})
	}
}

func TestDisabledCallerIsForbidden(t *testing.T) {
	f := newFixture(t)
	f.do(t, "admin", userReq("PATCH", "{alice}", `{"disabled":true}`)).want(t, http.StatusOK, "")
	f.do(t, "alice", request{method: "GET", resource: "/v1/keys"}).want(t, http.StatusForbidden, "")
	f.do(t, "alice", request{method: "POST", resource: "/v1/keys", body: `{"name":"x","scopes":[]}`}).want(t, http.StatusForbidden, "")
}

// ------------------------------------------------------------------ users

func TestCreateUser(t *testing.T) {
	tests := []struct {
		name   string
		who    string
		body   string
		status int
		field  string
		check  func(t *testing.T, f *fixture, r response)
	}{
		{name: "full", who: "admin", status: http.StatusCreated,
			body: `{"username":"dave","roles":["credential-issuer","admin","admin"],"scopes":["echo:read","audit:read","echo:read"]}`,
			check: func(t *testing.T, f *fixture, r response) {
				if got := fieldsOf(r); !slices.Equal(got, userFields) {
					t.Errorf("fields = %v, want %v", got, userFields)
				}
				uid := r.str(t, "userId")
				if !id.Valid(user.IDPrefix, uid) {
					t.Errorf("userId %q", uid)
				}
				if loc := r.Headers["Location"]; loc != "/v1/users/"+uid {
					t.Errorf("Location = %q", loc)
				}
				if r.str(t, "username") != "dave" || string(r.fields["disabled"]) != "false" ||
					r.str(t, "createdAt") != rfc3339(t0) {
					t.Errorf("body %s", r.Body)
				}
				if got := r.strs(t, "roles"); !slices.Equal(got, []string{"admin", "credential-issuer"}) {
					t.Errorf("roles = %v", got)
				}
				if got := r.strs(t, "scopes"); !slices.Equal(got, []string{"audit:read", "echo:read"}) {
					t.Errorf("scopes = %v", got)
				}
				get := f.do(t, "admin", userReq("GET", uid, ""))
				get.want(t, http.StatusOK, "")
				if get.Body != r.Body {
					t.Errorf("GET = %s, POST answered %s", get.Body, r.Body)
				}
			}},
		{name: "minimal", who: "admin", status: http.StatusCreated, body: `{"username":"d.ave+ci@example-1_x"}`,
			check: func(t *testing.T, f *fixture, r response) {
				if string(r.fields["roles"]) != "[]" || string(r.fields["scopes"]) != "[]" {
					t.Errorf("roles/scopes = %s/%s, want []", r.fields["roles"], r.fields["scopes"])
				}
			}},
		{name: "null password is no password", who: "admin", status: http.StatusCreated, body: `{"username":"dave","password":null}`},
		{name: "username of 100 characters", who: "admin", status: http.StatusCreated, body: `{"username":"` + strings.Repeat("d", 100) + `"}`},
		{name: "by the second admin", who: "admin2", status: http.StatusCreated, body: `{"username":"dave"}`},

		{name: "username taken", who: "admin", body: `{"username":"alice"}`, status: http.StatusConflict},
		{name: "password refused", who: "admin", body: `{"username":"dave","password":"hunter2hunter2"}`, status: http.StatusBadRequest, field: "password"},
		{name: "username missing", who: "admin", body: `{"roles":[]}`, status: http.StatusBadRequest, field: "username"},
		{name: "username empty", who: "admin", body: `{"username":""}`, status: http.StatusBadRequest, field: "username"},
		{name: "username starts with a dash", who: "admin", body: `{"username":"-dave"}`, status: http.StatusBadRequest, field: "username"},
		{name: "username with a space", who: "admin", body: `{"username":"da ve"}`, status: http.StatusBadRequest, field: "username"},
		{name: "username with a newline", who: "admin", body: `{"username":"dave\n"}`, status: http.StatusBadRequest, field: "username"},
		{name: "username of 101 characters", who: "admin", body: `{"username":"` + strings.Repeat("d", 101) + `"}`, status: http.StatusBadRequest, field: "username"},
		{name: "username wrong type", who: "admin", body: `{"username":7}`, status: http.StatusBadRequest, field: "username"},
		{name: "unknown role", who: "admin", body: `{"username":"dave","roles":["root"]}`, status: http.StatusBadRequest, field: "roles"},
		{name: "roles wrong type", who: "admin", body: `{"username":"dave","roles":"admin"}`, status: http.StatusBadRequest, field: "roles"},
		{name: "the all scope", who: "admin", body: `{"username":"dave","scopes":["*"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "malformed scope", who: "admin", body: `{"username":"dave","scopes":["Echo Read"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "unknown field", who: "admin", body: `{"username":"dave","email":"d@example.com"}`, status: http.StatusBadRequest, field: "email"},
		{name: "disabled not accepted at creation", who: "admin", body: `{"username":"dave","disabled":true}`, status: http.StatusBadRequest, field: "disabled"},
		{name: "empty body", who: "admin", body: ``, status: http.StatusBadRequest, field: "body"},
		{name: "trailing data", who: "admin", body: `{"username":"dave"}{"username":"eve"}`, status: http.StatusBadRequest, field: "body"},
		{name: "body over 64 KiB", who: "admin", body: `{"username":"dave"}` + strings.Repeat(" ", 64<<10), status: http.StatusBadRequest, field: "body"},
		{name: "not an admin", who: "alice", body: `{"username":"dave"}`, status: http.StatusForbidden},
		{name: "admin without users:admin scope", who: "admin:narrow", body: `{"username":"dave"}`, status: http.StatusForbidden},
		{name: "not an admin, bad body", who: "carol", body: `{"bogus":1}`, status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.do(t, tt.who, request{method: "POST", resource: "/v1/users", body: tt.body})
			r.want(t, tt.status, tt.field)
			if tt.check != nil {
				tt.check(t, f, r)
			}
		})
	}
}

func TestUserLifecycle(t *testing.T) {
	f := newFixture(t)
	created := f.do(t, "admin", request{method: "POST", resource: "/v1/users", body: `{"username":"dave","roles":["credential-issuer"],"scopes":["echo:read"]}`})
	created.want(t, http.StatusCreated, "")
	uid := created.str(t, "userId")

	f.clock.Advance(time.Hour)
	patched := f.do(t, "admin", userReq("PATCH", uid, `{"roles":["admin"],"scopes":["echo:write"],"disabled":true}`))
	patched.want(t, http.StatusOK, "")
	if got := fieldsOf(patched); !slices.Equal(got, userFields) {
		t.Errorf("PATCH fields = %v", got)
	}
	if !slices.Equal(patched.strs(t, "roles"), []string{"admin"}) || !slices.Equal(patched.strs(t, "scopes"), []string{"echo:write"}) ||
		string(patched.fields["disabled"]) != "true" || patched.str(t, "username") != "dave" || patched.str(t, "createdAt") != rfc3339(t0) {
		t.Errorf("PATCH answered %s", patched.Body)
	}
	if get := f.do(t, "admin", userReq("GET", uid, "")); get.Body != patched.Body {
		t.Errorf("GET after PATCH = %s, want %s", get.Body, patched.Body)
	}

	// A partial PATCH changes only what it names.
	again := f.do(t, "admin", userReq("PATCH", uid, `{"disabled":false}`))
	again.want(t, http.StatusOK, "")
	if string(again.fields["disabled"]) != "false" || !slices.Equal(again.strs(t, "roles"), []string{"admin"}) {
		t.Errorf("partial PATCH answered %s", again.Body)
	}

	list := f.do(t, "admin", request{method: "GET", resource: "/v1/users"})
	list.want(t, http.StatusOK, "")
	items, _ := list.items(t, userFields)
	if len(items) != 6 {
		t.Errorf("list has %d users, want 6", len(items))
	}

	f.do(t, "admin", userReq("DELETE", uid, "")).want(t, http.StatusNoContent, "")
	f.do(t, "admin", userReq("GET", uid, "")).want(t, http.StatusNotFound, "")
	f.do(t, "admin", userReq("DELETE", uid, "")).want(t, http.StatusNotFound, "")
	f.do(t, "admin", userReq("PATCH", uid, `{"disabled":true}`)).want(t, http.StatusNotFound, "")

	// The username is free again.
	f.do(t, "admin", request{method: "POST", resource: "/v1/users", body: `{"username":"dave"}`}).want(t, http.StatusCreated, "")
}

func TestUpdateUser(t *testing.T) {
	tests := []struct {
		name   string
		who    string
		target string
		body   string
		status int
		field  string
	}{
		{"roles", "admin", "{alice}", `{"roles":["admin","credential-issuer"]}`, http.StatusOK, ""},
		{"scopes", "admin", "{alice}", `{"scopes":[]}`, http.StatusOK, ""},
		{"disable", "admin", "{alice}", `{"disabled":true}`, http.StatusOK, ""},
		{"empty object", "admin", "{alice}", `{}`, http.StatusBadRequest, ""},
		{"only nulls", "admin", "{alice}", `{"roles":null,"scopes":null,"disabled":null}`, http.StatusBadRequest, ""},
		{"demote another admin", "admin", "{admin2}", `{"roles":[]}`, http.StatusOK, ""},
		{"own scopes", "admin", "{admin}", `{"scopes":["echo:read"]}`, http.StatusOK, ""},
		{"keep own admin role", "admin", "{admin}", `{"roles":["admin"],"disabled":false}`, http.StatusOK, ""},

		{"demote itself", "admin", "{admin}", `{"roles":["credential-issuer"]}`, http.StatusConflict, ""},
		{"drop all own roles", "admin", "{admin}", `{"roles":[]}`, http.StatusConflict, ""},
		{"disable itself", "admin", "{admin}", `{"disabled":true}`, http.StatusConflict, ""},
		{"unknown role", "admin", "{alice}", `{"roles":["owner"]}`, http.StatusBadRequest, "roles"},
		{"bad scope", "admin", "{alice}", `{"scopes":["*"]}`, http.StatusBadRequest, "scopes"},
		{"disabled wrong type", "admin", "{alice}", `{"disabled":"yes"}`, http.StatusBadRequest, "disabled"},
		{"username is not patchable", "admin", "{alice}", `{"username":"alicia"}`, http.StatusBadRequest, "username"},
		{"password is not patchable", "admin", "{alice}", `{"password":"x"}`, http.StatusBadRequest, "password"},
		{"empty body", "admin", "{alice}", ``, http.StatusBadRequest, "body"},
		{"malformed body", "admin", "{alice}", `{"disabled":tru}`, http.StatusBadRequest, "body"},
		{"unknown user", "admin", id.New(user.IDPrefix), `{"disabled":true}`, http.StatusNotFound, ""},
		{"malformed user id", "admin", "alice", `{"disabled":true}`, http.StatusNotFound, ""},
		{"not an admin", "alice", "{bob}", `{"disabled":true}`, http.StatusForbidden, ""},
		{"not an admin, on itself", "alice", "{alice}", `{"roles":["admin"]}`, http.StatusForbidden, ""},
		{"admin without users:admin scope", "admin:narrow", "{alice}", `{"disabled":true}`, http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.do(t, tt.who, userReq("PATCH", tt.target, tt.body))
			r.want(t, tt.status, tt.field)
			if tt.status == http.StatusOK {
				if got := fieldsOf(r); !slices.Equal(got, userFields) {
					t.Errorf("fields = %v", got)
				}
				if get := f.do(t, "admin", userReq("GET", tt.target, "")); get.Body != r.Body {
					t.Errorf("GET = %s, PATCH answered %s", get.Body, r.Body)
				}
			}
		})
	}
}

func TestUserRoutesNeedAdmin(t *testing.T) {
	reqs := []request{
		{method: "GET", resource: "/v1/users"},
		{method: "POST", resource: "/v1/users", body: `{"username":"dave"}`},
		userReq("GET", "{alice}", ""),
		userReq("GET", "{bob}", ""),
		userReq("PATCH", "{bob}", `{"disabled":true}`),
		userReq("DELETE", "{bob}", ""),
	}
	for _, who := range []string{"alice", "bob", "carol", "admin:narrow"} {
		for _, r := range reqs {
			t.Run(who+" "+r.method+" "+r.resource, func(t *testing.T) {
				f := newFixture(t)
				f.do(t, who, r).want(t, http.StatusForbidden, "")
			})
		}
	}
}

func TestDeleteUser(t *testing.T) {
	tests := []struct {
		name   string
		who    string
		target string
		status int
	}{
		{"another user", "admin", "{bob}", http.StatusNoContent},
		{"another admin", "admin", "{admin2}", http.StatusNoContent},
		{"itself", "admin", "{admin}", http.StatusConflict},
		{"unknown", "admin", id.New(user.IDPrefix), http.StatusNotFound},
		{"malformed id", "admin", "usr_", http.StatusNotFound},
		{"not an admin", "alice", "{bob}", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.do(t, tt.who, userReq("DELETE", tt.target, "")).want(t, tt.status, "")
			if tt.status == http.StatusNoContent {
				f.do(t, "admin", userReq("GET", tt.target, "")).want(t, http.StatusNotFound, "")
			}
		})
	}
}

func TestListUsersPages(t *testing.T) {
	f := newFixture(t)
	for i := range 3 {
		f.clock.Advance(time.Minute)
		f.do(t, "admin", request{method: "POST", resource: "/v1/users", body: `{"username":"user` + strconv.Itoa(i) + `"}`}).
			want(t, http.StatusCreated, "")
	}
	// 8 users, newest first, in pages of 3.
	var names []string
	cursor := ""
	for pageNo := 0; ; pageNo++ {
		q := map[string]string{"limit": "3"}
		if cursor != "" {
			q["cursor"] = cursor
		}
		r := f.do(t, "admin", request{method: "GET", resource: "/v1/users", query: q})
		r.want(t, http.StatusOK, "")
		items, next := r.items(t, userFields)
		for _, it := range items {
			var n string
			_ = json.Unmarshal(it["username"], &n)
			names = append(names, n)
		}
		if next == nil {
			if len(items) != 2 || pageNo != 2 {
				t.Errorf("last page %d has %d items", pageNo, len(items))
			}
			break
		}
		if len(items) != 3 || *next == "" || pageNo > 3 {
			t.Fatalf("page %d: %d items, nextCursor %q", pageNo, len(items), *next)
		}
		cursor = *next
	}
	want := []string{"user2", "user1", "user0", "carol", "bob", "alice", "admin2", "admin"}
	if !slices.Equal(names, want) {
		t.Errorf("pages = %v, want %v", names, want)
	}

	// Exactly one full page: nextCursor is null, not an empty string.
	r := f.do(t, "admin", request{method: "GET", resource: "/v1/users", query: map[string]string{"limit": "8"}})
	if items, next := r.items(t, userFields); len(items) != 8 || next != nil {
		t.Errorf("limit 8: %d items, nextCursor %v", len(items), next)
	}
	if !strings.Contains(r.Body, `"nextCursor":null`) {
		t.Errorf("body %s lacks \"nextCursor\":null", r.Body)
	}
}

// ------------------------------------------------------------ list params

func TestListParameters(t *testing.T) {
	routes := []struct{ who, resource string }{{"admin", "/v1/users"}, {"alice", "/v1/keys"}}
	tests := []struct {
		name   string
		query  map[string]string
		status int
		field  string
	}{
		{"limit 1", map[string]string{"limit": "1"}, http.StatusOK, ""},
		{"limit 100", map[string]string{"limit": "100"}, http.StatusOK, ""},
		{"limit 0", map[string]string{"limit": "0"}, http.StatusBadRequest, "limit"},
		{"limit 101", map[string]string{"limit": "101"}, http.StatusBadRequest, "limit"},
		{"limit abc", map[string]string{"limit": "abc"}, http.StatusBadRequest, "limit"},
		{"limit empty", map[string]string{"limit": ""}, http.StatusBadRequest, "limit"},
		{"limit negative", map[string]string{"limit": "-1"}, http.StatusBadRequest, "limit"},
		{"limit fraction", map[string]string{"limit": "1.5"}, http.StatusBadRequest, "limit"},
		{"limit exponent", map[string]string{"limit": "1e2"}, http.StatusBadRequest, "limit"},
		{"limit with space", map[string]string{"limit": " 5"}, http.StatusBadRequest, "limit"},
		{"limit overflowing", map[string]string{"limit": "18446744073709551617"}, http.StatusBadRequest, "limit"},
		{"cursor not base64", map[string]string{"cursor": "!!!"}, http.StatusBadRequest, "cursor"},
		{"cursor of one character", map[string]string{"cursor": "a"}, http.StatusBadRequest, "cursor"},
		{"cursor too long", map[string]string{"cursor": strings.Repeat("A", 1025)}, http.StatusBadRequest, "cursor"},
		{"cursor well-formed base64 but never issued", map[string]string{"cursor": base64.RawURLEncoding.EncodeToString([]byte("not a cursor"))},
			http.StatusBadRequest, "cursor"},
		{"bad limit and cursor", map[string]string{"limit": "0", "cursor": "!!!"}, http.StatusBadRequest, ""},
	}
	for _, rt := range routes {
		for _, tt := range tests {
			t.Run(rt.resource+" "+tt.name, func(t *testing.T) {
				f := newFixture(t)
				f.seedKey(t, "alice", scope.Set{"echo:read"}, t0, nil)
				r := f.do(t, rt.who, request{method: "GET", resource: rt.resource, query: tt.query})
				r.want(t, tt.status, tt.field)
				if tt.field == "limit" && r.keyReads != 0 {
					t.Errorf("a bad limit read %d key lists", r.keyReads)
				}
			})
		}
	}
}

// ------------------------------------------------------------------- keys

func TestCreateKey(t *testing.T) {
	ninety := rfc3339(t0.Add(90 * 24 * time.Hour))
	tests := []struct {
		name   string
		who    string
		body   string
		base64 bool
		opts   []fixtureOption
		status int
		field  string
		check  func(t *testing.T, f *fixture, r response)
	}{
		{name: "defaults", who: "alice", body: `{"name":"ci"}`, status: http.StatusCreated,
			check: func(t *testing.T, f *fixture, r response) {
				if got := fieldsOf(r); !slices.Equal(got, createdKeyFields) {
					t.Errorf("fields = %v, want exactly %v", got, createdKeyFields)
				}
				keyID, tok := r.str(t, "keyId"), r.str(t, "key")
				if !id.Valid(apikey.IDPrefix, keyID) {
					t.Errorf("keyId = %q", keyID)
				}
				if loc := r.Headers["Location"]; loc != "/v1/keys/"+keyID {
					t.Errorf("Location = %q, want /v1/keys/%s", loc, keyID)
				}
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
		{name: "expiresAt null refused by the deployment", who: "alice", body: `{"name":"ci","expiresAt":null}`, opts: []fixtureOption{strictExpiry},
			status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt omitted under strict deployment", who: "alice", body: `{"name":"ci"}`, opts: []fixtureOption{strictExpiry},
			status: http.StatusCreated, check: func(t *testing.T, f *fixture, r response) {
				if got := r.str(t, "expiresAt"); got != ninety {
					t.Errorf("expiresAt = %q", got)
				}
			}},
		{name: "expiresAt in the past", who: "alice", body: `{"name":"ci","expiresAt":"2020-01-01T00:00:00Z"}`, status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt now", who: "alice", body: `{"name":"ci","expiresAt":"` + rfc3339(t0) + `"}`, status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt a date only", who: "alice", body: `{"name":"ci","expiresAt":"2027-01-01"}`, status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt a number", who: "alice", body: `{"name":"ci","expiresAt":1798761600}`, status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt empty", who: "alice", body: `{"name":"ci","expiresAt":""}`, status: http.StatusBadRequest, field: "expiresAt"},

		{name: "scopes beyond the owner's", who: "alice", body: `{"name":"ci","scopes":["echo:read","users:admin"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes beyond the calling credential's", who: "alice:narrow", body: `{"name":"ci","scopes":["echo:write"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes omitted by a restricted credential", who: "alice:narrow", body: `{"name":"ci"}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes within a restricted credential", who: "alice:narrow", body: `{"name":"ci","scopes":["echo:read"]}`, status: http.StatusCreated},
		{name: "the all scope", who: "alice", body: `{"name":"ci","scopes":["*"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "malformed scope", who: "alice", body: `{"name":"ci","scopes":["Echo:Read"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes a string", who: "alice", body: `{"name":"ci","scopes":"echo:read"}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes with a number", who: "alice", body: `{"name":"ci","scopes":[1]}`, status: http.StatusBadRequest, field: "scopes"},

		{name: "no issuing role", who: "carol", body: `{"name":"ci","scopes":["echo:read"]}`, status: http.StatusForbidden},
		{name: "owner another user, not admin", who: "alice", body: `{"name":"ci","owner":"{bob}","scopes":["echo:read"]}`, status: http.StatusForbidden},
		{name: "owner unknown, not admin", who: "alice", body: `{"name":"ci","owner":"nobody"}`, status: http.StatusForbidden},
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
		{name: "owner's scopes bound the admin", who: "admin", body: `{"name":"ci","owner":"{bob}","scopes":["echo:write"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "owner unknown, by admin", who: "admin", body: `{"name":"ci","owner":"` + id.New(user.IDPrefix) + `"}`, status: http.StatusBadRequest, field: "owner"},
		{name: "owner malformed, by admin", who: "admin", body: `{"name":"ci","owner":"bob"}`, status: http.StatusBadRequest, field: "owner"},
		{name: "owner wrong type, by admin", who: "admin", body: `{"name":"ci","owner":42}`, status: http.StatusBadRequest, field: "owner"},

		{name: "name missing", who: "alice", body: `{"scopes":[]}`, status: http.StatusBadRequest, field: "name"},
		{name: "name blank", who: "alice", body: `{"name":"   "}`, status: http.StatusBadRequest, field: "name"},
		{name: "name of 100 characters", who: "alice", body: `{"name":"` + strings.Repeat("é", 100) + `"}`, status: http.StatusCreated},
		{name: "name of 101 characters", who: "alice", body: `{"name":"` + strings.Repeat("n", 101) + `"}`, status: http.StatusBadRequest, field: "name"},
		{name: "name with a control character", who: "alice", body: `{"name":"a\u0000b"}`, status: http.StatusBadRequest, field: "name"},
		{name: "name with a newline", who: "alice", body: `{"name":"a\nb"}`, status: http.StatusBadRequest, field: "name"},
		{name: "name wrong type", who: "alice", body: `{"name":["ci"]}`, status: http.StatusBadRequest, field: "name"},
		{name: "unknown field", who: "alice", body: `{"name":"ci","colour":"red"}`, status: http.StatusBadRequest, field: "colour"},
		{name: "field name in other case is unknown", who: "alice", body: `{"Name":"ci","SCOPES":["echo:read"]}`, status: http.StatusBadRequest, field: "Name"},
		{name: "duplicate field", who: "alice", body: `{"name":"a","name":"b","scopes":[]}`, status: http.StatusBadRequest, field: "name"},
		{name: "key may not be chosen", who: "alice", body: `{"name":"ci","key":"tgk_x"}`, status: http.StatusBadRequest, field: "key"},
		{name: "status may not be chosen", who: "alice", body: `{"name":"ci","status":"inactive"}`, status: http.StatusBadRequest, field: "status"},
		{name: "empty body", who: "alice", body: ``, status: http.StatusBadRequest, field: "body"},
		{name: "body an array", who: "alice", body: `[{"name":"ci"}]`, status: http.StatusBadRequest, field: "body"},
		{name: "malformed body", who: "alice", body: `{"name":"ci"`, status: http.StatusBadRequest, field: "body"},
		{name: "body over 64 KiB", who: "alice", body: `{"name":"ci","scopes":[` + strings.Repeat(`"echo:read",`, 6000) + `"echo:read"]}`,
			status: http.StatusBadRequest, field: "body"},
		{name: "base64 body", who: "alice", body: `{"name":"ci","scopes":["echo:read"]}`, base64: true, status: http.StatusCreated},
		{name: "base64 body with unknown field", who: "alice", body: `{"nom":"ci"}`, base64: true, status: http.StatusBadRequest, field: "nom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts...)
			r := f.do(t, tt.who, request{method: "POST", resource: "/v1/keys", body: tt.body, base64: tt.base64})
			r.want(t, tt.status, tt.field)
			if tt.status == http.StatusCreated {
				if got := fieldsOf(r); !slices.Equal(got, createdKeyFields) {
					t.Errorf("fields = %v, want exactly %v", got, createdKeyFields)
				}
				if r.Headers["Cache-Control"] != "no-store" {
					t.Errorf("Cache-Control = %q", r.Headers["Cache-Control"])
				}
			}
			if tt.check != nil {
				tt.check(t, f, r)
			}
		})
	}
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
		r := f.do(t, "alice", request{method: "POST", resource: "/v1/keys", body: `{"name":"k` + strconv.Itoa(i) + `","scopes":["echo:read"]}`})
		r.want(t, http.StatusCreated, "")
		aliceKeys = append([]string{r.str(t, "keyId")}, aliceKeys...) // newest first
		f.clock.Advance(time.Minute)
	}
	bobKey := f.seedKey(t, "bob", nil, t0, nil)

	ids := func(items []map[string]json.RawMessage) []string {
		var out []string
		for _, it := range items {
			var s string
			_ = json.Unmarshal(it["keyId"], &s)
			out = append(out, s)
		}
		return out
	}

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
			r := f.do(t, tt.who, request{method: "GET", resource: "/v1/keys", query: tt.query})
			r.want(t, tt.status, "")
			if tt.status != http.StatusOK {
				return
			}
			items, next := r.items(t, keyFields)
			if got := ids(items); !slices.Equal(got, tt.want) {
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
		var got []string
		cursor := ""
		for pageNo := 0; pageNo < 5; pageNo++ {
			q := map[string]string{"limit": "2"}
			if cursor != "" {
				q["cursor"] = cursor
			}
			r := f.do(t, "alice", request{method: "GET", resource: "/v1/keys", query: q})
			r.want(t, http.StatusOK, "")
			items, next := r.items(t, keyFields)
			got = append(got, ids(items)...)
			if next == nil {
				if !strings.Contains(r.Body, `"nextCursor":null`) {
					t.Errorf("last page %s", r.Body)
				}
				break
			}
			if len(items) != 2 {
				t.Errorf("page %d has %d items", pageNo, len(items))
			}
			cursor = *next
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
	unknown := f.do(t, "alice", keyReq("GET", id.New(apikey.IDPrefix), ""))
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
			r := f.do(t, tt.who, keyReq("GET", alices.ID, ""))
			r.want(t, tt.status, "")
			if tt.status == http.StatusNotFound {
				if r.Body != unknown.Body {
					t.Errorf("someone else's key answered %s, an unknown key %s: existence leaks", r.Body, unknown.Body)
				}
				return
			}
			if got := fieldsOf(r); !slices.Equal(got, keyFields) {
				t.Errorf("fields = %v, want %v", got, keyFields)
			}
			if r.str(t, "keyId") != alices.ID || r.str(t, "name") != alices.Name || r.str(t, "hint") != alices.Hint ||
				r.str(t, "expiresAt") != rfc3339(exp) || r.str(t, "createdAt") != rfc3339(t0.Add(-time.Minute)) ||
				r.str(t, "status") != "active" || !slices.Equal(r.strs(t, "scopes"), []string{"echo:read"}) {
				t.Errorf("body %s", r.Body)
			}
		})
	}

	t.Run("expired status is derived", func(t *testing.T) {
		f.clock.Advance(time.Hour)
		r := f.do(t, "alice", keyReq("GET", alices.ID, ""))
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
			r := f.do(t, tt.who, keyReq("PATCH", k.ID, tt.body))
			r.want(t, tt.status, tt.field)
			if tt.status != http.StatusOK {
				return
			}
			if got := fieldsOf(r); !slices.Equal(got, keyFields) {
				t.Errorf("fields = %v, want %v", got, keyFields)
			}
			if get := f.do(t, "alice", keyReq("GET", k.ID, "")); get.Body != r.Body {
				t.Errorf("GET = %s, PATCH answered %s", get.Body, r.Body)
			}
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

	steps := []struct {
		name   string
		who    string
		req    request
		status int
	}{
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
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.do(t, s.who, s.req).want(t, s.status, "")
		})
	}
	for _, k := range []apikey.Key{alices, bobs} {
		if _, err := f.store.Store.GetKeyByHash(context.Background(), project, k.Hash); err == nil {
			t.Errorf("key %s still found by its hash", k.ID)
		}
	}
}

func TestRotateKey(t *testing.T) {
	in := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	tests := []struct {
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
	}{
		{name: "default overlap", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: in(30 * 24 * time.Hour),
			who: "alice", body: ``, status: http.StatusCreated, oldEnds: in(24 * time.Hour)},
		{name: "empty object", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: in(30 * 24 * time.Hour),
			who: "alice", body: `{}`, status: http.StatusCreated, oldEnds: in(24 * time.Hour)},
		{name: "no overlap", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: in(30 * 24 * time.Hour),
			who: "alice", body: `{"overlapSeconds":0}`, status: http.StatusCreated, oldEnds: in(0)},
		{name: "one hour overlap", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":3600}`, status: http.StatusCreated, oldEnds: in(time.Hour)},
		{name: "overlap past the old expiry", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: in(time.Hour),
			who: "alice", body: ``, status: http.StatusCreated, oldEnds: in(time.Hour)},
		{name: "never-expiring key", owner: "alice", keyScopes: nil,
			who: "alice", body: ``, status: http.StatusCreated, oldEnds: in(24 * time.Hour)},
		{name: "longest overlap", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice", body: `{"overlapSeconds":2592000}`, status: http.StatusCreated, oldEnds: in(management.MaxOverlap)},
		{name: "admin rotates another's key", owner: "bob", keyScopes: nil,
			who: "admin", body: ``, status: http.StatusCreated, oldEnds: in(24 * time.Hour)},
		{name: "restricted credential covering the key", owner: "alice", keyScopes: scope.Set{"echo:read"},
			who: "alice:narrow", body: ``, status: http.StatusCreated, oldEnds: in(24 * time.Hour)},

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
		{name: "expired key", owner: "alice", keyScopes: scope.Set{"echo:read"}, expires: in(-time.Second),
			who: "alice", body: ``, status: http.StatusConflict},
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			old := f.seedKey(t, tt.owner, tt.keyScopes, t0.Add(-time.Hour), tt.expires)
			if tt.inactive {
				old.Status = apikey.Inactive
				if err := f.store.UpdateKey(context.Background(), old); err != nil {
					t.Fatal(err)
				}
			}
			r := f.do(t, tt.who, keyReq("POST", old.ID, tt.body))
			r.want(t, tt.status, tt.field)
			if tt.status != http.StatusCreated {
				return
			}
			if got := fieldsOf(r); !slices.Equal(got, createdKeyFields) {
				t.Errorf("fields = %v, want exactly %v", got, createdKeyFields)
			}
			newID := r.str(t, "keyId")
			if newID == old.ID || !id.Valid(apikey.IDPrefix, newID) {
				t.Errorf("new keyId %q, old %q", newID, old.ID)
			}
			if loc := r.Headers["Location"]; loc != "/v1/keys/"+newID {
				t.Errorf("Location = %q", loc)
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

			ended := f.storedKey(t, old.ID)
			if ended.ExpiresAt == nil || !ended.ExpiresAt.Equal(*tt.oldEnds) {
				t.Errorf("old key ends %v, want %v", ended.ExpiresAt, tt.oldEnds)
			}
			if ended.Hash != old.Hash || ended.Status != old.Status || ended.Name != old.Name {
				t.Errorf("old key changed beyond its expiry: %+v", ended)
			}
			got := f.do(t, tt.who, keyReq("GET", old.ID, ""))
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

			// The old key rotates only once; the successor rotates on.
			f.do(t, tt.who, keyReq("POST", old.ID, tt.body)).want(t, http.StatusConflict, "")
			f.do(t, tt.who, keyReq("POST", newID, `{"overlapSeconds":60}`)).want(t, http.StatusCreated, "")
		})
	}
}

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
		for _, keyID := range malformed {
			t.Run(method+" "+strconv.Quote(keyID[:min(len(keyID), 30)]), func(t *testing.T) {
				f := newFixture(t)
				f.seedKey(t, "alice", nil, t0, nil)
				r := f.do(t, "alice", keyReq(method, keyID, bodies[method]))
				r.want(t, http.StatusNotFound, "")
				if r.keyReads != 0 || r.reads != 1 {
					t.Errorf("read %d keys and %d records in all; want 0 keys and only the caller", r.keyReads, r.reads)
				}
			})
		}
		t.Run(method+" well-formed unknown", func(t *testing.T) {
			f := newFixture(t)
			r := f.do(t, "admin", keyReq(method, id.New(apikey.IDPrefix), bodies[method]))
			r.want(t, http.StatusNotFound, "")
			if r.keyReads != 1 {
				t.Errorf("read %d keys, want 1", r.keyReads)
			}
		})
	}
}

// TestSecretsAppearOnlyAtCreation walks every key route after keys were
// created and rotated; do() fails if any later body holds a secret or hash.
func TestSecretsAppearOnlyAtCreation(t *testing.T) {
	f := newFixture(t)
	c := f.do(t, "alice", request{method: "POST", resource: "/v1/keys", body: `{"name":"ci"}`})
	c.want(t, http.StatusCreated, "")
	keyID := c.str(t, "keyId")
	rot := f.do(t, "alice", keyReq("POST", keyID, `{"overlapSeconds":60}`))
	rot.want(t, http.StatusCreated, "")
	if rot.str(t, "key") == c.str(t, "key") {
		t.Fatal("rotation returned the same secret")
	}
	admins := f.do(t, "admin", request{method: "POST", resource: "/v1/keys", body: `{"name":"for bob","owner":"{bob}"}`})
	admins.want(t, http.StatusCreated, "")
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
		f.do(t, s.who, s.req)
	}
}
