package authorizer_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/meter"
)

// TestRefusalEvents: a burst of refusals over a limit records one event a
// minute for the credential, also from two instances sharing the store;
// a metering store error, which refuses too, records none.
func TestRefusalEvents(t *testing.T) {
	day := meter.Day.Start(t0)
	for _, tc := range []struct {
		name      string
		limits    meter.Limits
		instances int
		fail      error
		typ       string // "" for no event
		tries     int64  // RecordMeterEvent calls, in the two minutes
	}{
		{name: "rate limit", limits: meter.Limits{Rate: &meter.RateLimit{Limit: 2, Window: time.Minute}}, instances: 1,
			typ: meter.EventRateLimited, tries: 2},
		{name: "rate limit, two instances", limits: meter.Limits{Rate: &meter.RateLimit{Limit: 2, Window: time.Minute}}, instances: 2,
			typ: meter.EventRateLimited, tries: 4},
		{name: "quota", instances: 1, typ: meter.EventQuotaExhausted, tries: 2,
			limits: meter.Limits{Quota: &meter.Quota{Limit: 5, Remaining: 1, Period: day, Refill: &meter.Refill{Amount: 5, Interval: meter.Day}}}},
		{name: "store error", limits: meter.Limits{Rate: &meter.RateLimit{Limit: 100, Window: time.Minute}}, instances: 1,
			fail: errors.New("ProvisionedThroughputExceededException")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newMeteredFixture(t, tc.limits)
			f.leasing.fail = tc.fail
			instances := []*authorizer.Authorizer{f.auth}
			for range tc.instances - 1 {
				instances = append(instances, authorizer.New(f.leasing, authorizer.Options{ProjectID: project, CacheTTL: 30 * time.Second,
					StoreTimeout: time.Second, Routes: access.NewTable(access.Routes), Clock: f.clock}))
			}
			for minute := range 2 {
				for _, a := range instances {
					f.auth = a
					if allowed, _ := f.call(t, 20); allowed > 2 {
						t.Fatalf("minute %d: %d allowed", minute, allowed)
					}
					a.Wait()
				}
				f.clock.Advance(time.Minute)
			}
			got, err := f.store.ListMeterEvents(context.Background(), project, t0.Truncate(time.Hour), t0, 100)
			if err != nil {
				t.Fatal(err)
			}
			if n := f.leasing.recorded.Load(); n != tc.tries {
				t.Errorf("%d events tried, want %d", n, tc.tries)
			}
			if tc.typ == "" {
				if len(got) != 0 {
					t.Fatalf("events %+v for a store error", got)
				}
				return
			}
			if len(got) != 2 {
				t.Fatalf("events %+v, want one in each of the two minutes", got)
			}
			for i, e := range got {
				want := meter.Event{Type: tc.typ, CredentialID: f.limited.ID, Kind: "api_key", Owner: f.owner.ID, Time: t0.Add(time.Duration(i) * time.Minute)}
				if e != want {
					t.Errorf("event %d = %+v, want %+v", i, e, want)
				}
			}
		})
	}
}

// lateClock tells t0 once (the request), then t0+meter.EventDeadline (the
// background write, run late).
type lateClock struct{ calls atomic.Int64 }

func (c *lateClock) Now() time.Time {
	if c.calls.Add(1) == 1 {
		return t0
	}
	return t0.Add(meter.EventDeadline)
}

// TestLateEventDropped: an event whose write would start meter.EventDeadline
// after its refusal is dropped (and logged), never written late.
func TestLateEventDropped(t *testing.T) {
	f := newMeteredFixture(t, meter.Limits{Quota: &meter.Quota{Limit: 1, Remaining: 0}})
	f.auth = authorizer.New(f.leasing, authorizer.Options{ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Clock: &lateClock{}, Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
	if allowed, refused := f.call(t, 1); allowed != 0 || refused.Context["message"] != meter.Exhausted {
		t.Fatalf("allowed %d, refusal %+v", allowed, refused)
	}
	f.auth.Wait()
	if n := f.leasing.recorded.Load(); n != 0 || !strings.Contains(f.logs.String(), "past its deadline") {
		t.Fatalf("%d events written late; logs:\n%s", n, f.logs)
	}
}
