package management_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/scope"
)

// limitStep is one PATCH of a credential's limits, in a sequence on one
// credential, and what it must answer and leave shown.
type limitStep struct {
	name         string
	who          string
	body         string
	status       int
	field        string
	rate, quota  string           // the members shown after a 200, as JSON
	spendTo      int64            // before the PATCH, the stored balance is set to this (as authorizers spend), when > 0
	advance      time.Duration    // before the PATCH, the clock moves on this much
	storedPeriod func() time.Time // the stored balance's period after a 200, when set
}

// limitSteps are the changes of limits a key and a client both take, in
// order on one credential of alice's.
func limitSteps() []limitStep {
	ok, bad := http.StatusOK, http.StatusBadRequest
	hourly := `"refill":{"amount":10,"interval":"hour"}`
	return []limitStep{
		{name: "top-up without a quota", who: "alice", body: `{"quota":{"remaining":5}}`, status: bad, field: "quota.limit"},
		{name: "rate limit set", who: "alice", body: `{"rateLimit":` + rateJSON + `}`, status: ok, rate: rateJSON, quota: `null`},
		{name: "quota set: full balance", who: "alice", body: `{"quota":{"limit":100,` + hourly + `}}`, status: ok,
			rate: rateJSON, quota: `{"limit":100,"remaining":100,` + hourly + `}`, storedPeriod: func() time.Time { return t0.Truncate(time.Hour) }},
		{name: "spent, then the balance is kept", who: "alice", body: `{"rateLimit":{"limit":5,"windowSeconds":1}}`, spendTo: 40, status: ok,
			rate: `{"limit":5,"windowSeconds":1}`, quota: `{"limit":100,"remaining":40,` + hourly + `}`},
		{name: "two hours' refills shown", who: "alice", body: `{"rateLimit":` + rateJSON + `}`, advance: 2 * time.Hour, status: ok,
			rate: rateJSON, quota: `{"limit":100,"remaining":60,` + hourly + `}`},
		{name: "top-up", who: "alice", body: `{"quota":{"remaining":90}}`, status: ok, rate: rateJSON,
			quota: `{"limit":100,"remaining":90,` + hourly + `}`, storedPeriod: func() time.Time { return t0.Add(2 * time.Hour).Truncate(time.Hour) }},
		{name: "top-up over the limit", who: "alice", body: `{"quota":{"remaining":101}}`, status: bad, field: "quota.remaining"},
		{name: "top-up negative", who: "alice", body: `{"quota":{"remaining":-1}}`, status: bad, field: "quota.remaining"},
		{name: "top-up with refill", who: "alice", body: `{"quota":{"remaining":1,"refill":null}}`, status: bad, field: "quota.limit"},
		{name: "quota replaced: balance given", who: "alice", body: `{"quota":{"limit":50,"remaining":3}}`, status: ok,
			rate: rateJSON, quota: `{"limit":50,"remaining":3,"refill":null}`},
		{name: "malformed rate limit", who: "alice", body: `{"rateLimit":{"limit":1,"windowSeconds":0}}`, status: bad, field: "rateLimit.windowSeconds"},
		{name: "without the issuing role", who: "carol", body: `{"rateLimit":null}`, status: http.StatusForbidden},
		{name: "without credentials:write", who: "alice:echo", body: `{"rateLimit":null}`, status: http.StatusForbidden},
		{name: "someone else's", who: "bob", body: `{"rateLimit":null}`, status: http.StatusNotFound},
		{name: "rate limit removed", who: "alice", body: `{"rateLimit":null}`, status: ok, rate: `null`, quota: `{"limit":50,"remaining":3,"refill":null}`},
		{name: "quota removed", who: "alice", body: `{"quota":null}`, status: ok, rate: `null`, quota: `null`},
		{name: "by admin", who: "admin", body: `{"rateLimit":` + rateJSON + `,"quota":{"limit":1}}`, status: ok,
			rate: rateJSON, quota: `{"limit":1,"remaining":1,"refill":null}`},
	}
}

// limited is a credential whose limits the steps change: how to PATCH and
// GET it, and how to read and spend its stored limits.
type limited struct {
	patch   func(body string) request
	get     request
	stored  func(t *testing.T) meter.Limits
	spendTo func(t *testing.T, remaining int64)
}

func (l limited) run(t *testing.T, f *fixture, steps []limitStep) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.spendTo > 0 {
				l.spendTo(t, st.spendTo)
			}
			f.clock.Advance(st.advance)
			r := f.send(t, st.who, l.patch(st.body))
			r.want(t, st.status, st.field)
			if st.status != http.StatusOK {
				return
			}
			f.getShows(t, "alice", l.get, r)
			if got := string(r.fields["rateLimit"]); got != st.rate {
				t.Errorf("rateLimit = %s, want %s", got, st.rate)
			}
			if got := string(r.fields["quota"]); got != st.quota {
				t.Errorf("quota = %s, want %s", got, st.quota)
			}
			if st.storedPeriod != nil {
				if q := l.stored(t).Quota; q == nil || !q.Period.Equal(st.storedPeriod()) {
					t.Errorf("stored quota %+v, want the period from %v", q, st.storedPeriod())
				}
			}
		})
	}
}

// TestUpdateKeyLimits: PATCH /v1/keys/{keyId} sets, tops up, replaces and
// removes limits; a change that does not give a new balance keeps the one
// authorizers spent to; each change is audited as key.update.
func TestUpdateKeyLimits(t *testing.T) {
	f := newFixture(t)
	k := f.seedKey(t, "alice", scope.Set{"echo:read"}, t0, nil)
	limited{
		patch: func(body string) request { return keyReq("PATCH", k.ID, body) },
		get:   keyReq("GET", k.ID, ""),
		stored: func(t *testing.T) meter.Limits {
			return f.storedKey(t, k.ID).Limits
		},
		spendTo: func(t *testing.T, remaining int64) {
			stored := f.storedKey(t, k.ID)
			*stored.Limits.Quota = stored.Limits.Quota.ResetTo(remaining, f.clock.Now())
			must(t, f.store.UpdateKey(context.Background(), stored))
		},
	}.run(t, f, limitSteps())
	if got := f.auditActions(t, k.ID); len(got) != 9 || slices.ContainsFunc(got, func(a string) bool { return a != "key.update" }) {
		t.Errorf("audit of the key = %v, want 9 key.update", got)
	}
}

// TestUpdateKeepsSpentBalance: a PATCH that gives no balance never writes
// back the one it read, which authorizers may have spent since; a top-up
// writes its own.
func TestUpdateKeepsSpentBalance(t *testing.T) {
	f := newFixture(t)
	id := f.create(t, "alice", "/v1/keys", `{"name":"ci","quota":{"limit":100,"remaining":40}}`).str(t, "keyId")
	f.store.unspent = 5
	for _, tt := range []struct {
		body string
		want int64
	}{
		{`{"name":"renamed"}`, 40},
		{`{"status":"inactive","rateLimit":` + rateJSON + `}`, 40},
		{`{"quota":{"remaining":70}}`, 70},
		{`{"quota":{"limit":100}}`, 100},
	} {
		f.send(t, "alice", keyReq("PATCH", id, tt.body)).want(t, http.StatusOK, "")
		if got := f.storedKey(t, id).Limits.Quota.Remaining; got != tt.want {
			t.Errorf("after %s the stored balance is %d, want %d", tt.body, got, tt.want)
		}
	}
}

// TestTagsLeaveTheBalanceOut: a key's and a client's ETag do not move as
// the balance shown does (here by a refill; likewise as authorizers spend
// it), so an If-Match read before stays good.
func TestTagsLeaveTheBalanceOut(t *testing.T) {
	f := newFixture(t)
	limits := `,"quota":{"limit":100,"remaining":0,"refill":{"amount":10,"interval":"hour"}}}`
	keyID := f.create(t, "alice", "/v1/keys", `{"name":"ci"`+limits).str(t, "keyId")
	clientID := f.create(t, "alice", "/v1/clients", `{"name":"svc","scopes":["echo:read"]`+limits).str(t, "clientId")
	for _, get := range []request{keyReq("GET", keyID, ""), clientReq("GET", clientID)} {
		before := f.send(t, "alice", get)
		f.clock.Advance(time.Hour)
		after := f.send(t, "alice", get)
		if string(before.fields["quota"]) == string(after.fields["quota"]) || before.Headers["ETag"] != after.Headers["ETag"] {
			t.Errorf("%s: quota %s then %s, ETag %s then %s; want the balance to move and the tag to stay",
				get.resource, before.fields["quota"], after.fields["quota"], before.Headers["ETag"], after.Headers["ETag"])
		}
		patch := ifMatch(withBody(request{method: http.MethodPatch, resource: get.resource, params: get.params}, `{"quota":{"remaining":1}}`),
			before.Headers["ETag"])
		f.send(t, "alice", patch).want(t, http.StatusOK, "")
	}
}

// TestUpdateClientLimits: PATCH /v1/clients/{clientId} changes a client's
// limits as PATCH of a key does, audited as client.update; it takes no
// other member, and a revoked client is not changed.
func TestUpdateClientLimits(t *testing.T) {
	f := newFixture(t)
	cl, _ := f.seedClient(t, "alice", scope.Set{"echo:read"})
	patch := func(body string) request { r := clientReq("PATCH", cl.ID); r.body = body; return r }
	steps := append(limitSteps(),
		limitStep{name: "empty", who: "alice", body: `{}`, status: http.StatusBadRequest, field: "rateLimit"},
		limitStep{name: "name is not patchable", who: "alice", body: `{"name":"x"}`, status: http.StatusBadRequest, field: "name"},
		limitStep{name: "scopes are not patchable", who: "alice", body: `{"scopes":[]}`, status: http.StatusBadRequest, field: "scopes"})
	limited{
		patch:  patch,
		get:    clientReq("GET", cl.ID),
		stored: func(t *testing.T) meter.Limits { return f.storedClient(t, cl.ID).Limits },
		spendTo: func(t *testing.T, remaining int64) {
			stored := f.storedClient(t, cl.ID)
			*stored.Limits.Quota = stored.Limits.Quota.ResetTo(remaining, f.clock.Now())
			must(t, f.store.UpdateClient(context.Background(), stored))
		},
	}.run(t, f, steps)
	f.send(t, "alice", request{method: http.MethodPatch, resource: "/v1/clients/{clientId}",
		params: map[string]string{"clientId": "key_" + cl.ID[4:]}, body: `{"rateLimit":null}`}).want(t, http.StatusNotFound, "")
	if got := f.auditActions(t, cl.ID); len(got) != 9 || slices.ContainsFunc(got, func(a string) bool { return a != "client.update" }) {
		t.Errorf("audit of the client = %v, want 9 client.update", got)
	}
	f.send(t, "alice", clientReq("DELETE", cl.ID)).want(t, http.StatusNoContent, "")
	f.send(t, "alice", patch(`{"rateLimit":null}`)).want(t, http.StatusConflict, "")
	r := f.send(t, "alice", patch(`{"rateLimit":`+rateJSON+`}`))
	r.want(t, http.StatusConflict, "")
	r.detailHas(t, "revoked")
}

// TestRotatedKeyLimits: a key's successor carries its rate limit and
// quota, with the balance the old key had at the rotation, which moves:
// the old key is left with none of its own (during the overlap the
// authorizer meters it against the successor).
func TestRotatedKeyLimits(t *testing.T) {
	f := newFixture(t)
	id := f.create(t, "alice", "/v1/keys", `{"name":"ci","rateLimit":`+rateJSON+`,"quota":{"limit":100,"remaining":30,"refill":{"amount":10,"interval":"hour"}}}`).str(t, "keyId")
	f.clock.Advance(3 * time.Hour)
	r := f.send(t, "alice", keyReq("POST", id, `{"overlapSeconds":60}`))
	r.want(t, http.StatusCreated, "")
	want := `{"limit":100,"remaining":60,"refill":{"amount":10,"interval":"hour"}}`
	if string(r.fields["rateLimit"]) != rateJSON || string(r.fields["quota"]) != want {
		t.Errorf("successor shows %s %s, want %s %s", r.fields["rateLimit"], r.fields["quota"], rateJSON, want)
	}
	successor := f.storedKey(t, r.str(t, "keyId"))
	if q := successor.Limits.Quota; q.Remaining != 60 || !q.Period.Equal(f.clock.Now().Truncate(time.Hour)) {
		t.Errorf("successor's stored quota %+v", q)
	}
	if old := f.storedKey(t, id); old.Limits.Quota.Remaining != 0 || old.Limits.Rate == nil {
		t.Errorf("old key's stored limits %+v %+v", old.Limits.Rate, old.Limits.Quota)
	}
}

// TestUserRateLimit: a user takes a rateLimit at creation and by PATCH
// (null removes it), shows it, and refuses a malformed one naming it.
func TestUserRateLimit(t *testing.T) {
	f := newFixture(t)
	r := f.create(t, "admin", "/v1/users", `{"username":"dora","scopes":[],"rateLimit":`+rateJSON+`}`)
	uid := r.str(t, "userId")
	steps := []struct {
		body   string
		status int
		field  string
		rate   string
	}{
		{`{"rateLimit":{"limit":1000,"windowSeconds":3600}}`, http.StatusOK, "", `{"limit":1000,"windowSeconds":3600}`},
		{`{"rateLimit":{"limit":1000}}`, http.StatusBadRequest, "rateLimit.windowSeconds", ""},
		{`{"rateLimit":{"limit":1000,"windowSeconds":3600,"quota":1}}`, http.StatusBadRequest, "rateLimit.quota", ""},
		{`{"quota":{"limit":10}}`, http.StatusBadRequest, "quota", ""},
		{`{"rateLimit":null}`, http.StatusOK, "", `null`},
	}
	if got := string(r.fields["rateLimit"]); got != rateJSON {
		t.Errorf("created with rateLimit %s", got)
	}
	for _, st := range steps {
		p := f.send(t, "admin", userReq("PATCH", uid, st.body))
		p.want(t, st.status, st.field)
		if st.status == http.StatusOK {
			f.getShows(t, "admin", userReq("GET", uid, ""), p)
			if got := string(p.fields["rateLimit"]); got != st.rate {
				t.Errorf("%s: rateLimit %s, want %s", st.body, got, st.rate)
			}
		}
	}
	f.send(t, "admin", request{method: http.MethodPost, resource: "/v1/users", body: `{"username":"erik","rateLimit":{"limit":0,"windowSeconds":1}}`}).
		want(t, http.StatusBadRequest, "rateLimit.limit")
}
