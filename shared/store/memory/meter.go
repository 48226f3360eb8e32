package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/store"
)

// counterKey names a rate-limit counter or an hour's usage counts.
type counterKey struct {
	project, id string
	start       time.Time
}

// LeaseRate adds up to n to counted's window use, up to limit.
func (s *Store) LeaseRate(_ context.Context, projectID, counted string, window time.Time, _ time.Duration, limit, n int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := counterKey{projectID, counted, window}
	take := max(0, min(n, limit-s.rates[k]))
	s.rates[k] += take
	return take, nil
}

// LeaseQuota takes up to n credits of credentialID's quota, refilled as
// due; all n if it has none.
func (s *Store) LeaseQuota(_ context.Context, projectID, credentialID string, _, now time.Time, n int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pk := projectKey{projectID, credentialID}
	var limits *meter.Limits
	if strings.HasPrefix(credentialID, apikey.IDPrefix+"_") {
		if k, ok := s.keys[pk]; ok {
			defer func() { s.keys[pk] = k }()
			limits = &k.Limits
		}
	} else if r, ok := s.sessions[pk]; ok && r.Kind == credential.KindClient {
		defer func() { s.sessions[pk] = r }()
		limits = &r.Limits
	}
	switch {
	case limits == nil:
		return 0, fmt.Errorf("quota of %s: %w", credentialID, store.ErrNotFound)
	case limits.Quota == nil:
		return n, nil
	}
	q := *limits.Quota // copied: records are shared with copies handed out
	q.Remaining, q.Period = q.At(now)
	take := min(n, q.Remaining)
	q.Remaining -= take
	limits.Quota = &q
	return take, nil
}

// AddUsage adds to credentialID's counts of an hour.
func (s *Store) AddUsage(_ context.Context, projectID, credentialID string, hour time.Time, authorized, refused int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := counterKey{projectID, credentialID, hour}
	u := s.usage[k]
	u.Hour, u.Authorized, u.Refused = hour, u.Authorized+authorized, u.Refused+refused
	s.usage[k] = u
	return nil
}

// ListUsage reads credentialID's hourly counts from since on, oldest first.
func (s *Store) ListUsage(_ context.Context, projectID, credentialID string, since time.Time) ([]meter.Usage, error) {
	defer s.reading()()
	var out []meter.Usage
	for k, u := range s.usage {
		if k.project == projectID && k.id == credentialID && !k.start.Before(since) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b meter.Usage) int { return a.Hour.Compare(b.Hour) })
	return out, nil
}
