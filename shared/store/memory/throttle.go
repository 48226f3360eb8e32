package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/store"
)

// throttleKey names one counting window of one throttled key.
type throttleKey struct {
	project, key string
	window       int64
}

// ReserveAttempt counts one attempt in a window, unless it holds limit:
// store.ErrConflict.
func (s *Store) ReserveAttempt(_ context.Context, projectID, key string, windowStart time.Time, _ time.Duration, limit int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := throttleKey{projectID, key, windowStart.Unix()}
	if s.failures[k] >= limit {
		return fmt.Errorf("attempt limit reached: %w", store.ErrConflict)
	}
	s.failures[k]++
	return nil
}

// ReleaseAttempt gives back one attempt reserved in a window.
func (s *Store) ReleaseAttempt(_ context.Context, projectID, key string, windowStart time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := throttleKey{projectID, key, windowStart.Unix()}
	if s.failures[k] > 0 {
		s.failures[k]--
	}
	return nil
}

// Failures returns a window's attempt count.
func (s *Store) Failures(_ context.Context, projectID, key string, windowStart time.Time) (int, error) {
	defer s.reading()()
	return s.failures[throttleKey{projectID, key, windowStart.Unix()}], nil
}
