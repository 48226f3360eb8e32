package memory

import (
	"context"
	"time"
)

// throttleKey names one counting window of one throttled key.
type throttleKey struct {
	project, key string
	window       int64
}

// AddFailure counts a failure in a window.
func (s *Store) AddFailure(_ context.Context, projectID, key string, windowStart time.Time, _ time.Duration) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := throttleKey{projectID, key, windowStart.Unix()}
	s.failures[k]++
	return s.failures[k], nil
}

// Failures returns a window's failure count.
func (s *Store) Failures(_ context.Context, projectID, key string, windowStart time.Time) (int, error) {
	defer s.reading()()
	return s.failures[throttleKey{projectID, key, windowStart.Unix()}], nil
}
