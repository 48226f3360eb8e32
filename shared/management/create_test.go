package management_test

import (
	"cmp"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/user"
)

// createCase is one POST to a create route, as who, and what it must answer.
type createCase struct {
	name   string
	who    string
	body   string
	base64 bool // send the body base64-encoded
	opts   []fixtureOption
	status int
	field  string // the member a 4xx's detail starts with, when set
	// What a route's own check of a 201 expects beyond the caller's defaults:
	owner  string    // the new credential's owner by name, when not the caller
	scope  string    // a JWT's scope claim
	exp    time.Time // a JWT's expiry
	ttl    int64     // a refresh family's accessTokenTTL
	scopes string    // a client's scopes member, as JSON
	check  func(t *testing.T, f *fixture, r response)
}

// createRoute is a route that creates with POST.
type createRoute struct {
	resource string
	// created checks what every 201 of the route holds; nil when nothing.
	created func(t *testing.T, f *fixture, c createCase, r response)
}

// Every route that creates with POST.
var (
	keyRoute     = createRoute{resource: "/v1/keys", created: keyCreated}
	jwtRoute     = createRoute{resource: "/v1/tokens/jwt", created: jwtCreated}
	refreshRoute = createRoute{resource: "/v1/tokens/refresh", created: refreshCreated}
	clientRoute  = createRoute{resource: "/v1/clients", created: clientCreated}
	userRoute    = createRoute{resource: "/v1/users"}
)

// run sends each case to a fixture of its own, made with the case's opts,
// and checks the status and field; on a wanted 201 the route's check runs,
// then the case's own.
func (rt createRoute) run(t *testing.T, cases []createCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.opts...)
			r := f.send(t, c.who, request{method: http.MethodPost, resource: rt.resource, body: c.body, base64: c.base64})
			r.want(t, c.status, c.field)
			if c.status == http.StatusCreated && rt.created != nil {
				rt.created(t, f, c, r)
			}
			if c.check != nil {
				c.check(t, f, r)
			}
		})
	}
}

// ownerID is the id of the user a 201 of c must name as owner: c.owner,
// or else the caller.
func (f *fixture) ownerID(c createCase) string {
	caller, _, _ := strings.Cut(c.who, ":")
	return f.users[cmp.Or(c.owner, caller)].ID
}

// issuanceCases are the checks every credential-issuing route makes of
// the caller, the scopes and the name; name is what their bodies call the
// new credential.
func issuanceCases(name string) []createCase {
	body := func(more string) string { return `{"name":"` + name + `"` + more + `}` }
	return []createCase{
		{name: "scopes beyond the owner's", who: "alice", body: body(`,"scopes":["users:admin"]`), status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes beyond the calling credential's", who: "alice:narrow", body: body(`,"scopes":["echo:write"]`),
			status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes omitted by a restricted credential", who: "alice:narrow", body: body(""), status: http.StatusBadRequest, field: "scopes"},
		{name: "malformed scope", who: "alice", body: body(`,"scopes":["Echo:Read"]`), status: http.StatusBadRequest, field: "scopes"},
		{name: "scopes a string", who: "alice", body: body(`,"scopes":"echo:read"`), status: http.StatusBadRequest, field: "scopes"},
		{name: "no issuing role", who: "carol", body: body(`,"scopes":["echo:read"]`), status: http.StatusForbidden},
		{name: "credential without credentials:write", who: "alice:echo", body: body(`,"scopes":["echo:read"]`), status: http.StatusForbidden},
		{name: "name missing", who: "alice", body: `{"scopes":[]}`, status: http.StatusBadRequest, field: "name"},
		{name: "name of 101 characters", who: "alice", body: `{"name":"` + strings.Repeat("n", 101) + `"}`, status: http.StatusBadRequest, field: "name"},
		{name: "empty body", who: "alice", body: ``, status: http.StatusBadRequest, field: "body"},
	}
}

// expiryCases are the refusals of an expiresAt by every route that takes
// one; name is what their bodies call the new credential.
func expiryCases(name string) []createCase {
	body := func(expiresAt string) string { return `{"name":"` + name + `","expiresAt":` + expiresAt + `}` }
	return []createCase{
		{name: "expiresAt null refused by the deployment", who: "alice", body: body(`null`), opts: []fixtureOption{strictExpiry},
			status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt in the past", who: "alice", body: body(`"2020-01-01T00:00:00Z"`), status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt now", who: "alice", body: body(`"` + rfc3339(t0) + `"`), status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt a date only", who: "alice", body: body(`"2027-01-01"`), status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt a number", who: "alice", body: body(`1798761600`), status: http.StatusBadRequest, field: "expiresAt"},
		{name: "expiresAt empty", who: "alice", body: body(`""`), status: http.StatusBadRequest, field: "expiresAt"},
	}
}

// ownerCases are the refusals of an owner by every route that takes one;
// name is what their bodies call the new credential.
func ownerCases(name string) []createCase {
	body := func(more string) string { return `{"name":"` + name + `","owner":` + more + `}` }
	return []createCase{
		{name: "owner another user, not admin", who: "alice", body: body(`"{bob}","scopes":["echo:read"]`), status: http.StatusForbidden},
		{name: "owner unknown, not admin", who: "alice", body: body(`"nobody"`), status: http.StatusForbidden},
		{name: "owner's scopes bound the admin", who: "admin", body: body(`"{bob}","scopes":["echo:write"]`), status: http.StatusBadRequest, field: "scopes"},
		{name: "owner unknown, by admin", who: "admin", body: body(`"` + id.New(user.IDPrefix) + `"`), status: http.StatusBadRequest, field: "owner"},
		{name: "owner malformed, by admin", who: "admin", body: body(`"bob"`), status: http.StatusBadRequest, field: "owner"},
		{name: "owner wrong type, by admin", who: "admin", body: body(`42`), status: http.StatusBadRequest, field: "owner"},
	}
}

// TestIssuanceChecks runs the issuance cases on every route that issues
// a credential, and the expiry and owner cases on those that take an
// expiresAt or an owner, naming the credential as the route's own tests do.
func TestIssuanceChecks(t *testing.T) {
	for _, rt := range []struct {
		kind, name       string
		route            createRoute
		expiresAt, owner bool
	}{
		{"key", "ci", keyRoute, true, true},
		{"jwt", "laptop", jwtRoute, true, false},
		{"refresh", "cli", refreshRoute, true, true},
		{"client", "svc", clientRoute, false, false},
	} {
		cases := issuanceCases(rt.name)
		if rt.expiresAt {
			cases = append(cases, expiryCases(rt.name)...)
		}
		if rt.owner {
			cases = append(cases, ownerCases(rt.name)...)
		}
		t.Run(rt.kind, func(t *testing.T) { rt.route.run(t, cases) })
	}
}
