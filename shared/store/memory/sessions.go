package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/secret"
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

type throttleKey struct {
	project, key string
	window       int64
}

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

// ListFamilies lists an owner's refresh-token families, newest first.
func (s *Store) ListFamilies(_ context.Context, projectID, owner string, page store.Page) ([]refresh.Family, string, error) {
	records, next, err := s.listRecords(projectID, owner, credential.KindRefresh, page)
	out := make([]refresh.Family, len(records))
	for i, r := range records {
		out[i] = refresh.Family{Session: r.Session, AccessTokenTTL: r.accessTokenTTL}
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

// CreateFamily stores a family and its first token.
func (s *Store) CreateFamily(ctx context.Context, f refresh.Family, first refresh.Token) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	s.init()
	if _, ok := s.refresh[projectKey{first.ProjectID, first.Hash.String()}]; ok {
		return fmt.Errorf("refresh token: %w", store.ErrConflict)
	}
	if err := s.createSession(sessionRecord{Session: f.Session, accessTokenTTL: f.AccessTokenTTL}); err != nil {
		return err
	}
	s.refresh[projectKey{first.ProjectID, first.Hash.String()}] = first
	return nil
}

// GetFamily reads a family.
func (s *Store) GetFamily(_ context.Context, projectID, familyID string) (refresh.Family, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.session(projectID, familyID)
	if err == nil && r.Kind != credential.KindRefresh {
		err = fmt.Errorf("family %s: %w", familyID, store.ErrNotFound)
	}
	return refresh.Family{Session: r.Session, AccessTokenTTL: r.accessTokenTTL}, err
}

// RevokeFamily revokes an active family.
func (s *Store) RevokeFamily(ctx context.Context, projectID, familyID string, at time.Time) error {
	return s.RevokeSession(ctx, projectID, familyID, at)
}

// GetRefreshToken reads a refresh token's record.
func (s *Store) GetRefreshToken(_ context.Context, projectID string, h secret.Hash) (refresh.Token, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	t, ok := s.refresh[projectKey{projectID, h.String()}]
	if !ok {
		return refresh.Token{}, fmt.Errorf("refresh token: %w", store.ErrNotFound)
	}
	t.Successor = clone(t.Successor)
	return t, nil
}

// RotateRefreshToken spends a token and stores its successor atomically.
func (s *Store) RotateRefreshToken(ctx context.Context, spent, successor refresh.Token) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	s.init()
	cur, ok := s.refresh[projectKey{spent.ProjectID, spent.Hash.String()}]
	fam, err := s.session(spent.ProjectID, spent.FamilyID)
	_, taken := s.refresh[projectKey{successor.ProjectID, successor.Hash.String()}]
	if !ok || cur.Spent || err != nil || fam.Status != credential.Active || taken {
		return fmt.Errorf("refresh token rotation: %w", store.ErrConflict)
	}
	cur.Spent, cur.SpentAt, cur.Successor = true, spent.SpentAt, clone(spent.Successor)
	s.refresh[projectKey{spent.ProjectID, spent.Hash.String()}] = cur
	s.refresh[projectKey{successor.ProjectID, successor.Hash.String()}] = successor
	return nil
}

// CreateClient stores a new client.
func (s *Store) CreateClient(ctx context.Context, c credential.Client) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	return s.createSession(sessionRecord{Session: c.Session, client: c})
}

// GetClient reads a client.
func (s *Store) GetClient(_ context.Context, projectID, clientID string) (credential.Client, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.session(projectID, clientID)
	if err == nil && r.Kind != credential.KindClient {
		err = fmt.Errorf("client %s: %w", clientID, store.ErrNotFound)
	}
	c := r.client
	c.Session = r.Session
	return c, err
}

// ListClients lists an owner's clients, newest first.
func (s *Store) ListClients(_ context.Context, projectID, owner string, page store.Page) ([]credential.Client, string, error) {
	records, next, err := s.listRecords(projectID, owner, credential.KindClient, page)
	out := make([]credential.Client, len(records))
	for i, r := range records {
		out[i] = r.client
		out[i].Session = r.Session
	}
	return out, next, err
}

// UpdateClientSecret writes a rotated secret if the replaced one is current.
func (s *Store) UpdateClientSecret(ctx context.Context, c credential.Client) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	r, err := s.session(c.ProjectID, c.ID)
	if err != nil || r.Kind != credential.KindClient || r.client.SecretHash != c.PreviousHash || r.Status != credential.Active {
		return fmt.Errorf("client %s: %w", c.ID, store.ErrConflict)
	}
	r.client.SecretHash, r.client.SecretHint = c.SecretHash, c.SecretHint
	r.client.PreviousHash, r.client.PreviousUntil = c.PreviousHash, c.PreviousUntil
	s.sessions[projectKey{c.ProjectID, c.ID}] = r
	return nil
}

// AddFailure counts a failure in a window.
func (s *Store) AddFailure(_ context.Context, projectID, key string, windowStart time.Time, _ time.Duration) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	k := throttleKey{projectID, key, windowStart.Unix()}
	s.failures[k]++
	return s.failures[k], nil
}

// Failures returns a window's failure count.
func (s *Store) Failures(_ context.Context, projectID, key string, windowStart time.Time) (int, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return s.failures[throttleKey{projectID, key, windowStart.Unix()}], nil
}
