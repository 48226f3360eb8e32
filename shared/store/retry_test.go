package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tollgate/tollgate/shared/store"
)

func TestRetry(t *testing.T) {
	other := errors.New("boom")
	for _, tc := range []struct {
		name      string
		conflicts int   // attempts that collide before the last
		last      error // what the attempt after them returns
		want      error
		calls     int
	}{
		{"first attempt", 0, nil, nil, 1},
		{"after two collisions", 2, nil, nil, 3},
		{"another error ends it", 1, other, other, 2},
		{"every attempt collides", store.MaxAttempts, nil, store.ErrConflict, store.MaxAttempts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := store.Retry(func() error {
				calls++
				if calls <= tc.conflicts {
					return fmt.Errorf("changed: %w", store.ErrConflict)
				}
				return tc.last
			})
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) || calls != tc.calls {
				t.Errorf("Retry = %v after %d calls, want %v after %d", err, calls, tc.want, tc.calls)
			}
		})
	}
}
