package management_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/store"
)

// The limits most of these tests set, as the API takes and shows them.
const (
	rateJSON      = `{"limit":100,"windowSeconds":60}`
	quotaJSON     = `{"limit":10000,"remaining":10000,"refill":{"amount":10000,"interval":"day"}}`
	quotaSentJSON = `{"limit":10000,"refill":{"amount":10000,"interval":"day"}}` // remaining omitted: the limit
)

// limitCases are the rateLimit and quota members a creation takes or
// refuses (the 400 naming the member at fault); body makes the body with
// the members given.
func limitCases(body func(members string) string) []createCase {
	ok, bad := http.StatusCreated, http.StatusBadRequest
	return []createCase{
		{name: "none", who: "alice", body: body(``), status: ok, check: wantLimitsShown(`null`, `null`)},
		{name: "nulls", who: "alice", body: body(`,"rateLimit":null,"quota":null`), status: ok, check: wantLimitsShown(`null`, `null`)},
		{name: "rate limit and refilled quota", who: "alice", body: body(`,"rateLimit":` + rateJSON + `,"quota":` + quotaSentJSON),
			status: ok, check: wantLimitsShown(rateJSON, quotaJSON)},
		{name: "quota with a balance, no refill", who: "alice", body: body(`,"quota":{"limit":10,"remaining":0,"refill":null}`),
			status: ok, check: wantLimitsShown(`null`, `{"limit":10,"remaining":0,"refill":null}`)},
		{name: "widest bounds", who: "alice", body: body(`,"rateLimit":{"limit":1000000000,"windowSeconds":86400},"quota":{"limit":1000000000,"refill":{"amount":1,"interval":"month"}}`),
			status: ok, check: wantLimitsShown(`{"limit":1000000000,"windowSeconds":86400}`, `{"limit":1000000000,"remaining":1000000000,"refill":{"amount":1,"interval":"month"}}`)},
		{name: "narrowest bounds", who: "alice", body: body(`,"rateLimit":{"limit":1,"windowSeconds":1},"quota":{"limit":1,"refill":{"amount":1,"interval":"hour"}}`),
			status: ok, check: wantLimitsShown(`{"limit":1,"windowSeconds":1}`, `{"limit":1,"remaining":1,"refill":{"amount":1,"interval":"hour"}}`)},
		{name: "limits without the issuing role", who: "carol", body: body(`,"rateLimit":` + rateJSON), status: http.StatusForbidden},

		{name: "rateLimit a string", who: "alice", body: body(`,"rateLimit":"100/60s"`), status: bad, field: "rateLimit"},
		{name: "rateLimit an array", who: "alice", body: body(`,"rateLimit":[100,60]`), status: bad, field: "rateLimit"},
		{name: "rateLimit empty", who: "alice", body: body(`,"rateLimit":{}`), status: bad, field: "rateLimit.limit"},
		{name: "rateLimit without window", who: "alice", body: body(`,"rateLimit":{"limit":100}`), status: bad, field: "rateLimit.windowSeconds"},
		{name: "rateLimit of nothing", who: "alice", body: body(`,"rateLimit":{"limit":0,"windowSeconds":60}`), status: bad, field: "rateLimit.limit"},
		{name: "rateLimit negative", who: "alice", body: body(`,"rateLimit":{"limit":-1,"windowSeconds":60}`), status: bad, field: "rateLimit.limit"},
		{name: "rateLimit over the bound", who: "alice", body: body(`,"rateLimit":{"limit":1000000001,"windowSeconds":60}`), status: bad, field: "rateLimit.limit"},
		{name: "rateLimit a fraction", who: "alice", body: body(`,"rateLimit":{"limit":1.5,"windowSeconds":60}`), status: bad, field: "rateLimit.limit"},
		{name: "rateLimit a numeric string", who: "alice", body: body(`,"rateLimit":{"limit":"100","windowSeconds":60}`), status: bad, field: "rateLimit.limit"},
		{name: "rateLimit limit null", who: "alice", body: body(`,"rateLimit":{"limit":null,"windowSeconds":60}`), status: bad, field: "rateLimit.limit"},
		{name: "window of nothing", who: "alice", body: body(`,"rateLimit":{"limit":1,"windowSeconds":0}`), status: bad, field: "rateLimit.windowSeconds"},
		{name: "window over a day", who: "alice", body: body(`,"rateLimit":{"limit":1,"windowSeconds":86401}`), status: bad, field: "rateLimit.windowSeconds"},
		{name: "window overflowing", who: "alice", body: body(`,"rateLimit":{"limit":1,"windowSeconds":9223372036854775807}`), status: bad, field: "rateLimit.windowSeconds"},
		{name: "window beyond int64", who: "alice", body: body(`,"rateLimit":{"limit":1,"windowSeconds":92233720368547758070}`), status: bad, field: "rateLimit.windowSeconds"},
		{name: "window in exponent form", who: "alice", body: body(`,"rateLimit":{"limit":1,"windowSeconds":6e1}`), status: bad, field: "rateLimit.windowSeconds"},
		{name: "rateLimit unknown member", who: "alice", body: body(`,"rateLimit":{"limit":1,"windowSeconds":1,"burst":2}`), status: bad, field: "rateLimit.burst"},
		{name: "rateLimit member in capitals", who: "alice", body: body(`,"rateLimit":{"Limit":1,"windowSeconds":1}`), status: bad, field: "rateLimit.Limit"},
		{name: "rateLimit member twice", who: "alice", body: body(`,"rateLimit":{"limit":1,"limit":2,"windowSeconds":1}`), status: bad, field: "rateLimit.limit"},

		{name: "quota a number", who: "alice", body: body(`,"quota":10000`), status: bad, field: "quota"},
		{name: "quota empty", who: "alice", body: body(`,"quota":{}`), status: bad, field: "quota.limit"},
		{name: "quota top-up at creation", who: "alice", body: body(`,"quota":{"remaining":5}`), status: bad, field: "quota.limit"},
		{name: "quota refill without limit", who: "alice", body: body(`,"quota":{"remaining":5,"refill":null}`), status: bad, field: "quota.limit"},
		{name: "quota of nothing", who: "alice", body: body(`,"quota":{"limit":0}`), status: bad, field: "quota.limit"},
		{name: "quota over the bound", who: "alice", body: body(`,"quota":{"limit":1000000001}`), status: bad, field: "quota.limit"},
		{name: "remaining over the limit", who: "alice", body: body(`,"quota":{"limit":10,"remaining":11}`), status: bad, field: "quota.remaining"},
		{name: "remaining negative", who: "alice", body: body(`,"quota":{"limit":10,"remaining":-1}`), status: bad, field: "quota.remaining"},
		{name: "remaining null", who: "alice", body: body(`,"quota":{"limit":10,"remaining":null}`), status: bad, field: "quota.remaining"},
		{name: "refill a string", who: "alice", body: body(`,"quota":{"limit":10,"refill":"10/day"}`), status: bad, field: "quota.refill"},
		{name: "refill of nothing", who: "alice", body: body(`,"quota":{"limit":10,"refill":{"amount":0,"interval":"day"}}`), status: bad, field: "quota.refill.amount"},
		{name: "refill over the limit", who: "alice", body: body(`,"quota":{"limit":10,"refill":{"amount":11,"interval":"day"}}`), status: bad, field: "quota.refill.amount"},
		{name: "refill without amount", who: "alice", body: body(`,"quota":{"limit":10,"refill":{"interval":"day"}}`), status: bad, field: "quota.refill.amount"},
		{name: "refill without interval", who: "alice", body: body(`,"quota":{"limit":10,"refill":{"amount":1}}`), status: bad, field: "quota.refill.interval"},
		{name: "refill weekly", who: "alice", body: body(`,"quota":{"limit":10,"refill":{"amount":1,"interval":"week"}}`), status: bad, field: "quota.refill.interval"},
		{name: "refill interval in capitals", who: "alice", body: body(`,"quota":{"limit":10,"refill":{"amount":1,"interval":"Day"}}`), status: bad, field: "quota.refill.interval"},
		{name: "refill interval a number", who: "alice", body: body(`,"quota":{"limit":10,"refill":{"amount":1,"interval":24}}`), status: bad, field: "quota.refill.interval"},
		{name: "refill interval null", who: "alice", body: body(`,"quota":{"limit":10,"refill":{"amount":1,"interval":null}}`), status: bad, field: "quota.refill.interval"},
		{name: "refill unknown member", who: "alice", body: body(`,"quota":{"limit":10,"refill":{"amount":1,"interval":"day","every":2}}`), status: bad, field: "quota.refill.every"},
		{name: "quota unknown member", who: "alice", body: body(`,"quota":{"limit":10,"credits":5}`), status: bad, field: "quota.credits"},
	}
}

// wantLimitsShown checks the rateLimit and quota members of an answer,
// as JSON, and that GET shows the same.
func wantLimitsShown(rate, quota string) func(t *testing.T, f *fixture, r response) {
	return func(t *testing.T, f *fixture, r response) {
		t.Helper()
		var get request
		if _, ok := r.fields["keyId"]; ok {
			get = keyReq("GET", r.str(t, "keyId"), "")
		} else {
			get = clientReq("GET", r.str(t, "clientId"))
		}
		for what, resp := range map[string]response{"answer": r, "GET": f.send(t, "alice", get)} {
			if got := string(resp.fields["rateLimit"]); got != rate {
				t.Errorf("%s: rateLimit = %s, want %s", what, got, rate)
			}
			if got := string(resp.fields["quota"]); got != quota {
				t.Errorf("%s: quota = %s, want %s", what, got, quota)
			}
		}
	}
}

// TestCreateLimits: keys and clients take rateLimit and quota at creation,
// and refuse what is out of bounds or malformed with a 400 naming the
// member.
func TestCreateLimits(t *testing.T) {
	keyRoute.run(t, limitCases(func(m string) string { return `{"name":"ci"` + m + `}` }))
	cases := limitCases(func(m string) string { return `{"name":"svc","scopes":["echo:read"]` + m + `}` })
	for i := range cases {
		cases[i].scopes = `["echo:read"]`
	}
	clientRoute.run(t, cases)
}

// TestCreatedLimitsStored: what a creation stores: the limits as given, a
// quota's balance in the refill interval holding the creation.
func TestCreatedLimitsStored(t *testing.T) {
	f := newFixture(t)
	body := `,"rateLimit":` + rateJSON + `,"quota":{"limit":10000,"remaining":7,"refill":{"amount":10000,"interval":"day"}}}`
	want := meter.Limits{Rate: &meter.RateLimit{Limit: 100, Window: time.Minute},
		Quota: &meter.Quota{Limit: 10000, Remaining: 7, Refill: &meter.Refill{Amount: 10000, Interval: meter.Day}, Period: meter.Day.Start(t0)}}
	k := f.storedKey(t, f.create(t, "alice", "/v1/keys", `{"name":"ci"`+body).str(t, "keyId"))
	cl := f.storedClient(t, f.create(t, "alice", "/v1/clients", `{"name":"svc","scopes":["echo:read"]`+body).str(t, "clientId"))
	for what, got := range map[string]meter.Limits{"key": k.Limits, "client": cl.Limits} {
		if got.Rate == nil || *got.Rate != *want.Rate || got.Quota == nil || got.Quota.Limit != 10000 || got.Quota.Remaining != 7 ||
			got.Quota.Refill == nil || *got.Quota.Refill != *want.Quota.Refill || !got.Quota.Period.Equal(want.Quota.Period) {
			t.Errorf("%s stored %+v %+v", what, got.Rate, got.Quota)
		}
	}
}

// auditActions are the actions of the audit records about targetID,
// newest first.
func (f *fixture) auditActions(t *testing.T, targetID string) []string {
	t.Helper()
	recs, _, err := f.store.Store.ListAudit(context.Background(), project, targetID, t0.Add(-time.Hour), f.clock.Now().Add(time.Hour),
		store.Page{Limit: 100})
	must(t, err)
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Action
	}
	return out
}
