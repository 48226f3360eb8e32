package management_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/scope"
)

const day = 24 * time.Hour

// aliceAll is the scope claim of a JWT alice's inheriting credential gets.
const aliceAll = "credentials:read credentials:write echo:read echo:write"

// shortLives is a deployment whose longest lifetimes are 30 days for every
// kind: shorter than the 90-day default.
func shortLives(_ *testing.T, _ *fixture, o *management.Options) {
	o.MaxKeyLifetime, o.MaxJWTLifetime, o.MaxRefreshLifetime = 30*day, 30*day, 30*day
}

// lifetimeCases are the longest-lifetime checks of a route that takes an
// expiresAt whose kind may live at most longest by default; name is what
// their bodies call the new credential.
func lifetimeCases(name string, longest time.Duration) []createCase {
	body := func(at time.Time) string { return `{"name":"` + name + `","expiresAt":"` + rfc3339(at) + `"}` }
	year9999 := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	return []createCase{
		{name: "at the longest lifetime", who: "alice", body: body(t0.Add(longest)), status: http.StatusCreated,
			exp: t0.Add(longest), scope: aliceAll, ttl: 10800},
		{name: "a second beyond the longest lifetime", who: "alice", body: body(t0.Add(longest + time.Second)),
			status: http.StatusBadRequest, field: "expiresAt"},
		{name: "year 9999", who: "alice", body: body(year9999), status: http.StatusBadRequest, field: "expiresAt"},
		{name: "year 9999 with non-expiring keys off", who: "alice", body: body(year9999), opts: []fixtureOption{strictExpiry},
			status: http.StatusBadRequest, field: "expiresAt"},
		{name: "a deployment's shorter bound", who: "alice", body: body(t0.Add(30*day + time.Second)), opts: []fixtureOption{shortLives},
			status: http.StatusBadRequest, field: "expiresAt"},
		{name: "at a deployment's shorter bound", who: "alice", body: body(t0.Add(30 * day)), opts: []fixtureOption{shortLives},
			status: http.StatusCreated, exp: t0.Add(30 * day), scope: aliceAll, ttl: 10800},
		{name: "omitted under a shorter bound: the bound", who: "alice", body: `{"name":"` + name + `"}`, opts: []fixtureOption{shortLives},
			status: http.StatusCreated, exp: t0.Add(30 * day), scope: aliceAll, ttl: 10800, check: func(t *testing.T, _ *fixture, r response) {
				if got := r.str(t, "expiresAt"); got != rfc3339(t0.Add(30*day)) {
					t.Errorf("expiresAt = %s, want the 30-day bound", got)
				}
			}},
	}
}

// TestLongestLifetimes runs the lifetime cases on every route that takes
// an expiresAt, with config's default bound of its kind.
func TestLongestLifetimes(t *testing.T) {
	for _, rt := range []struct {
		kind, name string
		route      createRoute
		longest    time.Duration
	}{
		{"key", "ci", keyRoute, config.DefaultMaxKeyLifetime},
		{"jwt", "laptop", jwtRoute, config.DefaultMaxJWTLifetime},
		{"refresh", "cli", refreshRoute, config.DefaultMaxRefreshLifetime},
	} {
		t.Run(rt.kind, func(t *testing.T) { rt.route.run(t, lifetimeCases(rt.name, rt.longest)) })
	}
}

// TestRotateKeyWithinLongestLifetime rotates keys whose expiry the
// successor keeps: beyond the deployment's longest lifetime (say, issued
// before it was shortened) is refused naming expiresAt; never-expiring
// keys stay the non-expiring setting's business.
func TestRotateKeyWithinLongestLifetime(t *testing.T) {
	for _, tt := range []struct {
		name    string
		expires *time.Time
		status  int
		field   string
	}{
		{"within the bound", afterT0(30 * day), http.StatusCreated, ""},
		{"beyond the bound", afterT0(30*day + time.Second), http.StatusBadRequest, "expiresAt"},
		{"year 9999", func() *time.Time { v := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC); return &v }(), http.StatusBadRequest, "expiresAt"},
		{"never", nil, http.StatusCreated, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, shortLives)
			k := f.seedKey(t, "alice", scope.Set{"echo:read"}, t0.Add(-day), tt.expires)
			r := f.send(t, "alice", request{method: http.MethodPost, resource: "/v1/keys/{keyId}/rotate",
				params: map[string]string{"keyId": k.ID}})
			r.want(t, tt.status, tt.field)
		})
	}
}
