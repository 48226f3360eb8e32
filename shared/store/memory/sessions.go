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
	dpopKey        string
	client         credential.Client
}

func (r sessionRecord) asFamily() refresh.Family {
	return refresh.Family{Session: r.Session, AccessTokenTTL: r.accessTokenTTL, DPoPKey: r.dpopKey}
}

func (r sessionRecord) asClient() credential.Client {
	c := r.client
	c.Session = r.Session
	return c
}

func cloneSession(s credential.Session) credential.Session {
	s.Scopes = clone(s.Scopes)
	s.ExpiresAt = cloneTime(s.ExpiresAt)
	s.Limits = s.Limits.Clone()
	return s
}

func (s *Store) createSession(r sessionRecord) error {
	k := projectKey{r.ProjectID, r.ID}
	if _, ok := s.sessions[k]; ok {
		return fmt.Errorf("credential %s: %w", r.ID, store.ErrConflict)
	}
	r.Session = cloneSession(r.Session)
	r.Limits = storedLimits(r.Limits)
	r.Version = 1
	s.sessions[k] = r
	return nil
}

func (s *Store) session(projectID, id string) (sessionRecord, error) {
	r, ok := s.sessions[projectKey{projectID, id}]
	if !ok {
		return sessionRecord{}, fmt.Errorf("credential %s: %w", id, store.ErrNotFound)
	}
	r.Session = cloneSession(r.Session)
	return r, nil
}

// sessionOf reads a session of one kind; ErrNotFound (naming what) if it
// is of another kind.
func (s *Store) sessionOf(projectID, id string, kind credential.Kind, what string) (sessionRecord, error) {
	defer s.reading()()
	r, err := s.session(projectID, id)
	if err == nil && r.Kind != kind {
		err = fmt.Errorf("%s %s: %w", what, id, store.ErrNotFound)
	}
	return r, err
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess credential.Session) error {
	return s.change(ctx, func() error { return s.createSession(sessionRecord{Session: sess}) })
}

// GetSession reads any kind of session.
func (s *Store) GetSession(_ context.Context, projectID, id string) (credential.Session, error) {
	defer s.reading()()
	r, err := s.session(projectID, id)
	return r.Session, err
}

// ListSessions lists an owner's sessions of one kind, newest first.
func (s *Store) ListSessions(_ context.Context, projectID, owner string, kind credential.Kind, page store.Page) ([]credential.Session, string, error) {
	return listSessions(s, projectID, owner, kind, page, func(r sessionRecord) credential.Session { return r.Session })
}

// listSessions lists an owner's sessions of one kind, newest first, each
// as as gives it.
func listSessions[T any](s *Store, projectID, owner string, kind credential.Kind, page store.Page, as func(sessionRecord) T) ([]T, string, error) {
	defer s.reading()()
	var all []sessionRecord
	for k, r := range s.sessions {
		if k.project == projectID && r.Owner == owner && r.Kind == kind {
			r.Session = cloneSession(r.Session)
			all = append(all, r)
		}
	}
	records, next, err := paginate(all, page, func(x sessionRecord) string { return sortKey(x.CreatedAt, x.ID) })
	out := make([]T, len(records))
	for i, r := range records {
		out[i] = as(r)
	}
	return out, next, err
}

// RevokeSession revokes an active session.
func (s *Store) RevokeSession(ctx context.Context, projectID, id string, at time.Time) error {
	return s.change(ctx, func() error {
		r, err := s.session(projectID, id)
		if err != nil || r.Status != credential.Active {
			return fmt.Errorf("credential %s: %w", id, store.ErrNotFound)
		}
		r.Status = credential.Revoked
		r.Version++
		s.sessions[projectKey{projectID, id}] = r
		return nil
	})
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
		r.Version++
		s.sessions[projectKey{projectID, id}] = r
		s.audit(ctx, nil)
	}
	return nil
}
