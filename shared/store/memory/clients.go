package memory

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/store"
)

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
