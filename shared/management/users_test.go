package management_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/user"
)

// Field set of a user as the API shows it.
var userFields = []string{"createdAt", "disabled", "rateLimit", "roles", "scopes", "userId", "username"}

func userReq(method, userID, body string) request {
	return request{method: method, resource: "/v1/users/{userId}", params: map[string]string{"userId": userID}, body: body}
}

func TestCreateUser(t *testing.T) {
	userRoute.run(t, []createCase{
		{name: "full", who: "admin", status: http.StatusCreated,
			body: `{"username":"dave","roles":["credential-issuer","admin","admin"],"scopes":["echo:read","audit:read","echo:read"]}`,
			check: func(t *testing.T, f *fixture, r response) {
				uid := r.created(t, userFields, "userId", user.IDPrefix, "/v1/users/")
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
				f.getShows(t, "admin", userReq("GET", uid, ""), r)
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
	})
}

func TestUserLifecycle(t *testing.T) {
	f := newFixture(t)
	created := f.create(t, "admin", "/v1/users", `{"username":"dave","roles":["credential-issuer"],"scopes":["echo:read"]}`)
	uid := created.str(t, "userId")

	f.clock.Advance(time.Hour)
	patched := f.send(t, "admin", userReq("PATCH", uid, `{"roles":["admin"],"scopes":["echo:write"],"disabled":true}`))
	patched.want(t, http.StatusOK, "")
	patched.hasFields(t, userFields)
	if !slices.Equal(patched.strs(t, "roles"), []string{"admin"}) || !slices.Equal(patched.strs(t, "scopes"), []string{"echo:write"}) ||
		string(patched.fields["disabled"]) != "true" || patched.str(t, "username") != "dave" || patched.str(t, "createdAt") != rfc3339(t0) {
		t.Errorf("PATCH answered %s", patched.Body)
	}
	f.getShows(t, "admin", userReq("GET", uid, ""), patched)

	// A partial PATCH changes only what it names.
	again := f.send(t, "admin", userReq("PATCH", uid, `{"disabled":false}`))
	again.want(t, http.StatusOK, "")
	if string(again.fields["disabled"]) != "false" || !slices.Equal(again.strs(t, "roles"), []string{"admin"}) {
		t.Errorf("partial PATCH answered %s", again.Body)
	}

	list := f.send(t, "admin", request{method: "GET", resource: "/v1/users"})
	list.want(t, http.StatusOK, "")
	items, _ := list.items(t, userFields)
	if len(items) != 6 {
		t.Errorf("list has %d users, want 6", len(items))
	}

	f.send(t, "admin", userReq("DELETE", uid, "")).want(t, http.StatusNoContent, "")
	f.send(t, "admin", userReq("GET", uid, "")).want(t, http.StatusNotFound, "")
	f.send(t, "admin", userReq("DELETE", uid, "")).want(t, http.StatusNotFound, "")
	f.send(t, "admin", userReq("PATCH", uid, `{"disabled":true}`)).want(t, http.StatusNotFound, "")

	// The username is free again.
	f.create(t, "admin", "/v1/users", `{"username":"dave"}`)
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
			r := f.send(t, tt.who, userReq("PATCH", tt.target, tt.body))
			r.want(t, tt.status, tt.field)
			if tt.status == http.StatusOK {
				r.hasFields(t, userFields)
				f.getShows(t, "admin", userReq("GET", tt.target, ""), r)
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
	var steps []step
	for _, who := range []string{"alice", "bob", "carol", "admin:narrow"} {
		for _, r := range reqs {
			steps = append(steps, stepOf(who, r, http.StatusForbidden))
		}
	}
	each(t, steps)
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
			f.send(t, tt.who, userReq("DELETE", tt.target, "")).want(t, tt.status, "")
			if tt.status == http.StatusNoContent {
				f.send(t, "admin", userReq("GET", tt.target, "")).want(t, http.StatusNotFound, "")
			}
		})
	}
}

func TestListUsersPages(t *testing.T) {
	f := newFixture(t)
	for i := range 3 {
		f.clock.Advance(time.Minute)
		f.create(t, "admin", "/v1/users", `{"username":"user`+strconv.Itoa(i)+`"}`)
	}
	// 8 users, newest first, in pages of 3.
	names, sizes, _ := f.pages(t, "admin", "/v1/users", 3, userFields, "username")
	if !slices.Equal(sizes, []int{3, 3, 2}) {
		t.Errorf("page sizes %v, want [3 3 2]", sizes)
	}
	want := []string{"user2", "user1", "user0", "carol", "bob", "alice", "admin2", "admin"}
	if !slices.Equal(names, want) {
		t.Errorf("pages = %v, want %v", names, want)
	}

	// Exactly one full page: nextCursor is null, not an empty string.
	r := f.send(t, "admin", request{method: "GET", resource: "/v1/users", query: map[string]string{"limit": "8"}})
	if items, next := r.items(t, userFields); len(items) != 8 || next != nil {
		t.Errorf("limit 8: %d items, nextCursor %v", len(items), next)
	}
	if !strings.Contains(r.Body, `"nextCursor":null`) {
		t.Errorf("body %s lacks \"nextCursor\":null", r.Body)
	}
}
