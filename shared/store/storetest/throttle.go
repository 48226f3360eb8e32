package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/store"
)

// failureCounts: reservations count per key, window and project, up to
// the limit; a release gives one back, never below zero.
func failureCounts(t *testing.T, s Store, p string) {
	ctx := context.Background()
	w := t0.Truncate(time.Minute)
	count := func(project string, window time.Time, want int) {
		t.Helper()
		if n, err := s.Failures(ctx, project, "cli_x", window); err != nil || n != want {
			t.Fatalf("Failures = %d, %v; want %d", n, err, want)
		}
	}
	for range 3 {
		must(t, s.ReserveAttempt(ctx, p, "cli_x", w, time.Minute, 3))
	}
	count(p, w, 3)
	wantErr(t, s.ReserveAttempt(ctx, p, "cli_x", w, time.Minute, 3), store.ErrConflict)
	count(p, w, 3) // a refused reservation counts nothing
	count(p, w.Add(time.Minute), 0)
	count(p+"x", w, 0) // counts do not cross projects
	must(t, s.ReserveAttempt(ctx, p, "cli_y", w, time.Minute, 3))

	must(t, s.ReleaseAttempt(ctx, p, "cli_x", w))
	count(p, w, 2)
	must(t, s.ReserveAttempt(ctx, p, "cli_x", w, time.Minute, 3))
	for range 4 {
		must(t, s.ReleaseAttempt(ctx, p, "cli_x", w))
	}
	count(p, w, 0)
	must(t, s.ReleaseAttempt(ctx, p, "cli_z", w)) // nothing to release
	count(p, w, 0)
}

// attemptRace: of many parallel reservations in one window, exactly limit
// succeed and the rest are ErrConflict.
func attemptRace(t *testing.T, s Store, p string) {
	ctx := context.Background()
	w := t0.Truncate(time.Minute)
	for _, tc := range []struct {
		name     string
		n, limit int
	}{
		{"12 for 5", 12, 5},
		{"24 for 1", 24, 1},
		{"20 for 20", 20, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "usr_race#" + tc.name
			wins := race(t, tc.n, func(int) error { return s.ReserveAttempt(ctx, p, key, w, time.Minute, tc.limit) })
			if wins != min(tc.n, tc.limit) {
				t.Fatalf("%d of %d reservations won, limit %d", wins, tc.n, tc.limit)
			}
			if n, err := s.Failures(ctx, p, key, w); err != nil || n != wins {
				t.Fatalf("Failures = %d, %v; want %d", n, err, wins)
			}
			if err := s.ReserveAttempt(ctx, p, key, w, time.Minute, tc.limit); tc.n >= tc.limit && !errors.Is(err, store.ErrConflict) {
				t.Fatalf("reservation past the limit: %v", err)
			}
		})
	}
}
