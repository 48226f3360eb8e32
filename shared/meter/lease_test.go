package meter_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/store/memory"
)

const project = "prj"

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

// counting is a store that counts its leases and may fail them.
type counting struct {
	meter.Store
	leases atomic.Int64
	fail   error
}

func (c *counting) LeaseRate(ctx context.Context, p, counted string, w time.Time, l time.Duration, limit, n int64) (int64, error) {
	c.leases.Add(1)
	if c.fail != nil {
		return 0, c.fail
	}
	return c.Store.LeaseRate(ctx, p, counted, w, l, limit, n)
}

// quotaKey stores a key with quota q and returns its id.
func quotaKey(t *testing.T, s *memory.Store, q meter.Quota) string {
	t.Helper()
	k, _, err := apikey.New(project, "usr_a", "metered", nil, t0, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	k.Limits.Quota = &q
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k.ID
}

// spend spends p n times at at and returns how many passed and the last
// refusal.
func spend(t *testing.T, m *meter.Meter, p *meter.Plan, at time.Time, n int) (passed int, last *meter.Refusal) {
	t.Helper()
	for range n {
		r, err := m.Spend(context.Background(), p, at)
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			passed++
		} else {
			last = r
		}
	}
	return passed, last
}

func TestRateLimitWindows(t *testing.T) {
	s := &counting{Store: memory.New()}
	m := meter.New(s, project, 30*time.Second, time.Second)
	p := &meter.Plan{Credential: "key_a", Rate: &meter.RateLimit{Limit: 10, Window: time.Minute}}
	at := t0.Add(20 * time.Second) // 40 s before the window ends
	passed, refused := spend(t, m, p, at, 15)
	if passed != 10 || refused == nil || refused.Reason != meter.RateLimited || refused.RetryAfter != 40*time.Second ||
		refused.Limit != 10 || refused.Window != time.Minute {
		t.Fatalf("passed %d, refusal %+v; want 10 and a refusal to retry in 40 s", passed, refused)
	}
	leases := s.leases.Load()
	if passed, _ := spend(t, m, p, at.Add(10*time.Second), 5); passed != 0 || s.leases.Load() != leases {
		t.Fatalf("a spent window passed %d or asked the store again", passed)
	}
	if passed, _ := spend(t, m, p, at.Add(40*time.Second), 15); passed != 10 {
		t.Fatalf("the next window passed %d, want 10", passed)
	}
}

// TestRateLimitAcrossInstances: ten meters on one store, spending at once
// three times the limit, never pass more than the limit, and less only by
// the counts left unspent in the other instances' leases (at most
// instances × limit/200); with a large limit they take counts in leases,
// far fewer than one write a request.
func TestRateLimitAcrossInstances(t *testing.T) {
	for _, tc := range []struct {
		limit     int64
		maxLeases int64
	}{{limit: 100, maxLeases: 120}, {limit: 10_000, maxLeases: 400}} {
		s := &counting{Store: memory.New()}
		p := &meter.Plan{Credential: "key_a", Rate: &meter.RateLimit{Limit: tc.limit, Window: time.Minute}}
		var passed atomic.Int64
		var wg sync.WaitGroup
		for range 10 {
			m := meter.New(s, project, 30*time.Second, time.Second)
			wg.Go(func() {
				for range 3 * tc.limit / 10 {
					if r, err := m.Spend(context.Background(), p, t0); err == nil && r == nil {
						passed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		least := tc.limit - 10*max(1, tc.limit/200) + 10 // each instance spent at least one of its last lease
		if got := passed.Load(); got > tc.limit || got < least || s.leases.Load() > tc.maxLeases {
			t.Errorf("limit %d: passed %d with %d leases; want %d to %d with at most %d leases",
				tc.limit, got, s.leases.Load(), least, tc.limit, tc.maxLeases)
		}
	}
}

func TestOwnerRateLimit(t *testing.T) {
	m := meter.New(memory.New(), project, 30*time.Second, time.Second)
	owner := &meter.RateLimit{Limit: 3, Window: time.Minute}
	a := &meter.Plan{Credential: "key_a", Owner: "usr_a", OwnerRate: owner}
	b := &meter.Plan{Credential: "key_b", Owner: "usr_a", OwnerRate: owner, Rate: &meter.RateLimit{Limit: 100, Window: time.Minute}}
	pa, _ := spend(t, m, a, t0, 2)
	pb, refused := spend(t, m, b, t0, 2)
	if pa+pb != 3 || refused == nil {
		t.Fatalf("two keys of one owner passed %d+%d, want 3 in all", pa, pb)
	}
}

func TestQuota(t *testing.T) {
	s := memory.New()
	daily := meter.Quota{Limit: 5, Remaining: 3, Refill: &meter.Refill{Amount: 2, Interval: meter.Day}, Period: meter.Day.Start(t0)}
	id := quotaKey(t, s, daily)
	m := meter.New(s, project, 30*time.Second, time.Second)
	p := &meter.Plan{Credential: id, Quota: &daily}
	passed, refused := spend(t, m, p, t0, 5)
	midnight := meter.Day.Start(t0).Add(24 * time.Hour)
	if passed != 3 || refused == nil || refused.Reason != meter.Exhausted || refused.RetryAfter != midnight.Sub(t0) {
		t.Fatalf("passed %d, refusal %+v; want 3 and a retry at midnight", passed, refused)
	}
	if passed, _ := spend(t, m, p, midnight.Add(time.Hour), 5); passed != 2 {
		t.Fatalf("after the refill passed %d, want the 2 refilled", passed)
	}
	if passed, _ := spend(t, m, p, midnight.Add(72*time.Hour), 9); passed != 5 {
		t.Fatalf("three refills later passed %d, want the limit, 5", passed)
	}
}

func TestQuotaWithoutRefill(t *testing.T) {
	s := memory.New()
	q := meter.Quota{Limit: 4, Remaining: 4}
	m := meter.New(s, project, 30*time.Second, time.Second)
	p := &meter.Plan{Credential: quotaKey(t, s, q), Quota: &q}
	if passed, refused := spend(t, m, p, t0, 6); passed != 4 || refused.RetryAfter != 0 || refused.Window != 0 {
		t.Fatalf("passed %d, refusal %+v; want 4 and no retry time", passed, refused)
	}
}

func TestStoreErrorsRefuse(t *testing.T) {
	failed := errors.New("throttled")
	m := meter.New(&counting{Store: memory.New(), fail: failed}, project, 30*time.Second, time.Second)
	r, err := m.Spend(context.Background(), &meter.Plan{Credential: "key_a", Rate: &meter.RateLimit{Limit: 5, Window: time.Second}}, t0)
	if r == nil || !errors.Is(err, failed) {
		t.Fatalf("Spend = %v, %v; want a refusal and the store's error", r, err)
	}
}
