package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/store"
)

// sessionRecord is every kind of session with its kind-specific fields.
type sessionRecord struct {
	credential.Session
	accessTokenTTL time.Duration
	client         credential.Client
}

func cloneSession(s credential.Session) credential.Session {
	s.Scopes = clone(s.Scopes)
	if s.ExpiresAt != nil {
		t := *s.ExpiresAt
		s.ExpiresAt = &t
	}
	return s
}

// init makes the maps New leaves empty: sessions, refresh tokens, failure
// counters and the sweep's state.
func (s *Store) init() {
	if s.sessions == nil {
		s.sessions = map[projectKey]sessionRecord{}
		s.refresh = map[projectKey]refresh.Token{}
		s.failures = map[throttleKey]int{}
		s.swept, s.notified, s.cursors = map[projectKey]bool{}, map[projectKey]bool{}, map[string]time.Time{}
	}
}

func (s *Store) createSession(r sessionRecord) error {
	s.init()
	k := projectKey{r.ProjectID, r.ID}
	if _, ok := s.sessions[k]; ok {
		return fmt.Errorf("credential %s: %w", r.ID, store.ErrConflict)
	}
	r.Session = cloneSession(r.Session)
	s.sessions[k] = r
	return nil
}

func (s *Store) session(projectID, id string) (sessionRecord, error) {
	s.init()
	r, ok := s.sessions[projectKey{projectID, id}]
	if !ok {
		return sessionRecord{}, fmt.Errorf("credential %s: %w", id, store.ErrNotFound)
	}
	r.Session = cloneSession(r.Session)
	return r, nil
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess credential.Session) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	return s.createSession(sessionRecord{Session: sess})
}

// GetSession reads any kind of session.
func (s *Store) GetSession(_ context.Context, projectID, id string) (credential.Session, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.session(projectID, id)
	return r.Session, err
}

// ListSessions lists an owner's sessions of one kind, newest first.
func (s *Store) ListSessions(_ context.Context, projectID, owner string, kind credential.Kind, page store.Page) ([]credential.Session, string, error) {
	records, next, err := s.listRecords(projectID, owner, kind, page)
	out := make([]credential.Session, len(records))
	for i, r := range records {
		out[i] = r.Session
	}
	return out, next, err
}

func (s *Store) listRecords(projectID, owner string, kind credential.Kind, page store.Page) ([]sessionRecord, string, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	var all []sessionRecord
	for k, r := range s.sessions {
		if k.project == projectID && r.Owner == owner && r.Kind == kind {
			r.Session = cloneSession(r.Session)
			all = append(all, r)
		}
	}
	return paginate(all, page, func(x sessionRecord) string { return sortKey(x.CreatedAt, x.ID) })
}

// RevokeSession revokes an active session.
func (s *Store) RevokeSession(ctx context.Context, projectID, id string, at time.Time) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	r, err := s.session(projectID, id)
	if err != nil || r.Status != credential.Active {
		return fmt.Errorf("credential %s: %w", id, store.ErrNotFound)
	}
	r.Status = credential.Revoked
	s.sessions[projectKey{projectID, id}] = r
	return nil
}

// RevokeTokensBefore moves a session's NotBefore forward to at.
func (s *Store) RevokeTokensBefore(ctx context.Context, projectID, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.session(projectID, id)
	if err != nil {
		return err
	}
	if r.NotBefore.Before(at) {
		r.NotBefore = at
		s.sessions[projectKey{projectID, id}] = r
		s.audit(ctx, nil)
	}
	return nil
}
