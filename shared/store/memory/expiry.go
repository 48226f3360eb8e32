package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/store"
)

// ExpiryPage lists the unswept credentials expiring on day before before.
func (s *Store) ExpiryPage(_ context.Context, projectID string, day, before time.Time, page store.Page) ([]store.ExpiryEntry, string, error) {
	defer s.reading()()
	var all []store.ExpiryEntry
	inDay := func(t *time.Time) bool {
		return t != nil && t.UTC().Format(time.DateOnly) == day.UTC().Format(time.DateOnly) && t.Before(before)
	}
	for k, key := range s.keys {
		if k.project == projectID && key.Status != apikey.Expired && inDay(key.ExpiresAt) {
			all = append(all, store.ExpiryEntry{Type: credential.TypeAPIKey, ID: key.ID, Owner: key.Owner, ExpiresAt: *key.ExpiresAt,
				Notified: s.notified[k]})
		}
	}
	for k, r := range s.sessions {
		if k.project == projectID && r.Kind.Swept() && !s.swept[k] && inDay(r.ExpiresAt) {
			all = append(all, store.ExpiryEntry{Type: r.Kind.Type(), ID: r.ID, Owner: r.Owner, ExpiresAt: *r.ExpiresAt, Notified: s.notified[k]})
		}
	}
	slices.SortFunc(all, func(a, b store.ExpiryEntry) int {
		return cmp.Or(a.ExpiresAt.Compare(b.ExpiresAt), cmp.Compare(a.ID, b.ID))
	})
	start := 0
	if page.Cursor != "" {
		i := slices.IndexFunc(all, func(e store.ExpiryEntry) bool { return e.ID == page.Cursor })
		if i < 0 {
			return nil, "", store.ErrBadCursor
		}
		start = i + 1
	}
	end := min(start+page.Limit, len(all))
	next := ""
	if end < len(all) {
		next = all[end-1].ID
	}
	return all[start:end], next, nil
}

// MarkExpired marks a credential expired and drops it from the index.
func (s *Store) MarkExpired(ctx context.Context, projectID string, e store.ExpiryEntry, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := projectKey{projectID, e.ID}
	if e.Type == credential.TypeAPIKey {
		key, ok := s.keys[k]
		if !ok {
			return fmt.Errorf("key %s: %w", e.ID, store.ErrNotFound)
		}
		key.Status = apikey.Expired
		key.Version++
		s.keys[k] = key
		s.audit(ctx, nil)
		return nil
	}
	r, ok := s.sessions[k]
	if !ok {
		return fmt.Errorf("credential %s: %w", e.ID, store.ErrNotFound)
	}
	if r.Status == credential.Active {
		r.Status = credential.Expired
		r.Version++
		s.sessions[k] = r
		s.audit(ctx, nil)
	}
	s.swept[k] = true
	return nil
}

// MarkNotified records that credential.expiring was sent, once.
func (s *Store) MarkNotified(_ context.Context, projectID string, e store.ExpiryEntry) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := projectKey{projectID, e.ID}
	if s.notified[k] {
		return false, nil
	}
	s.notified[k] = true
	return true, nil
}

// SweepCursor is the first day the next sweep looks at.
func (s *Store) SweepCursor(_ context.Context, projectID string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursors[projectID], nil
}

// SetSweepCursor stores the first day the next sweep looks at.
func (s *Store) SetSweepCursor(_ context.Context, projectID string, day time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursors[projectID] = day
	return nil
}
