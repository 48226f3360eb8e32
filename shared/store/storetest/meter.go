package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store"
)

// rateLeases: a window's counts are handed out up to its limit and no
// further, also to leases taken at once, apart per window, id and project.
func rateLeases(t *testing.T, s Store, p string) {
	ctx := context.Background()
	w := t0.Truncate(time.Minute)
	lease := func(project, counted string, window time.Time, n, want int64) {
		t.Helper()
		if got, err := s.LeaseRate(ctx, project, counted, window, time.Minute, 10, n); err != nil || got != want {
			t.Fatalf("LeaseRate(%s, %d) = %d, %v; want %d", counted, n, got, err, want)
		}
	}
	lease(p, "key_a", w, 4, 4)
	lease(p, "key_a", w, 4, 4)
	lease(p, "key_a", w, 4, 2) // the last two
	lease(p, "key_a", w, 1, 0)
	lease(p, "key_a", w.Add(time.Minute), 4, 4)
	lease(p, "key_b", w, 4, 4)
	lease(p+"x", "key_a", w, 4, 4)
	var total atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			got, err := s.LeaseRate(ctx, p, "usr_c", w, time.Minute, 25, 2)
			if err != nil {
				t.Error(err)
			}
			total.Add(got)
		})
	}
	wg.Wait()
	if total.Load() != 25 {
		t.Fatalf("20 leases at once took %d counts of 25", total.Load())
	}
}

// quotaLeases: credits are taken up to the balance, refilled as each
// interval begins (up to the limit), never twice under concurrent leases;
// a credential whose quota was removed is not limited, one that is gone
// is ErrNotFound.
func quotaLeases(t *testing.T, s Store, p string) {
	ctx := context.Background()
	day := meter.Day.Start(t0)
	q := &meter.Quota{Limit: 10, Remaining: 7, Refill: &meter.Refill{Amount: 6, Interval: meter.Day}, Period: day, Reset: true}
	k, _ := newKey(t, p, "usr_a", t0, nil)
	k.Limits.Quota = q
	must(t, s.CreateKey(ctx, k))
	lease := func(id string, period, at time.Time, n, want int64) {
		t.Helper()
		if got, err := s.LeaseQuota(ctx, p, id, period, at, n); err != nil || got != want {
			t.Fatalf("LeaseQuota(%s, %d) = %d, %v; want %d", id, n, got, err, want)
		}
	}
	lease(k.ID, day, t0, 3, 3)
	lease(k.ID, day, t0, 5, 4)
	lease(k.ID, day, t0, 1, 0)
	next := day.AddDate(0, 0, 1)
	lease(k.ID, next, next.Add(time.Hour), 10, 6)  // one refill of 6
	lease(k.ID, next, next.Add(2*time.Hour), 1, 0) // none until the next
	lease(k.ID, day, next.AddDate(0, 0, 5), 3, 3)  // five refills, capped at 10; a stale period is read again
	got, err := s.GetKey(ctx, p, k.ID)
	must(t, err)
	if got.Limits.Quota == nil || got.Limits.Quota.Remaining != 7 || !got.Limits.Quota.Period.Equal(day.AddDate(0, 0, 6)) {
		t.Fatalf("stored quota %+v, want 7 credits in the sixth day's interval", got.Limits.Quota)
	}

	c, _, err := credential.NewClient(p, "usr_a", "svc", scope.Set{}, t0, "")
	must(t, err)
	c.Limits.Quota = &meter.Quota{Limit: 50, Remaining: 50, Reset: true}
	must(t, s.CreateClient(ctx, c))
	var total atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for {
				got, err := s.LeaseQuota(ctx, p, c.ID, time.Time{}, t0, 1)
				if err != nil {
					t.Error(err)
				}
				if got == 0 || err != nil {
					return
				}
				total.Add(got)
			}
		})
	}
	wg.Wait()
	if total.Load() != 50 {
		t.Fatalf("20 lessees at once took %d credits of 50", total.Load())
	}

	free, _ := newKey(t, p, "usr_a", t0, nil)
	must(t, s.CreateKey(ctx, free))
	lease(free.ID, time.Time{}, t0, 3, 3)
	if _, err := s.LeaseQuota(ctx, p, "key_missing", time.Time{}, t0, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a missing credential's quota: %v", err)
	}
}

// usageCounts: counts add up per credential and hour, and are listed from
// a time on, oldest first.
func usageCounts(t *testing.T, s Store, p string) {
	ctx := context.Background()
	h := t0.Truncate(time.Hour)
	must(t, s.AddUsage(ctx, p, "key_a", h, 3, 1))
	must(t, s.AddUsage(ctx, p, "key_a", h, 2, 0))
	must(t, s.AddUsage(ctx, p, "key_a", h.Add(-2*time.Hour), 1, 1))
	must(t, s.AddUsage(ctx, p, "key_a", h.Add(-48*time.Hour), 9, 9))
	must(t, s.AddUsage(ctx, p, "key_b", h, 7, 7))
	got, err := s.ListUsage(ctx, p, "key_a", h.Add(-24*time.Hour))
	must(t, err)
	want := []meter.Usage{{Hour: h.Add(-2 * time.Hour), Authorized: 1, Refused: 1}, {Hour: h, Authorized: 5, Refused: 1}}
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].Hour.Equal(want[i].Hour) && got[i].Authorized == want[i].Authorized && got[i].Refused == want[i].Refused
	}
	if !ok {
		t.Fatalf("ListUsage = %+v, want %+v", got, want)
	}
}
