package memory

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/store"
)

// CreateClient stores a new client.
func (s *Store) CreateClient(ctx context.Context, c credential.Client) error {
	return s.change(ctx, func() error { return s.createSession(sessionRecord{Session: c.Session, client: c}) })
}

// GetClient reads a client.
func (s *Store) GetClient(_ context.Context, projectID, clientID string) (credential.Client, error) {
	r, err := s.sessionOf(projectID, clientID, credential.KindClient, "client")
	return r.asClient(), err
}

// ListClients lists an owner's clients, newest first.
func (s *Store) ListClients(_ context.Context, projectID, owner string, page store.Page) ([]credential.Client, string, error) {
	return listSessions(s, projectID, owner, credential.KindClient, page, sessionRecord.asClient)
}

// UpdateClient writes c's limits if it is still at c.Version; the quota's
// balance only when c.Limits.Quota.Reset.
func (s *Store) UpdateClient(ctx context.Context, c credential.Client) error {
	return s.change(ctx, func() error {
		r, err := s.session(c.ProjectID, c.ID)
		if err != nil || r.Kind != credential.KindClient {
			return fmt.Errorf("client %s: %w", c.ID, store.ErrNotFound)
		}
		if err := asRead(r.Version, c.Version, "client "+c.ID); err != nil {
			return err
		}
		r.Version++
		r.Limits = updatedLimits(r.Limits, c.Limits)
		s.sessions[projectKey{c.ProjectID, c.ID}] = r
		return nil
	})
}

// UpdateClientSecret writes a rotated secret if the client is still at
// c.Version and active.
func (s *Store) UpdateClientSecret(ctx context.Context, c credential.Client) error {
	return s.change(ctx, func() error {
		r, err := s.session(c.ProjectID, c.ID)
		if err != nil || r.Kind != credential.KindClient {
			return fmt.Errorf("client %s: %w", c.ID, store.ErrNotFound)
		}
		if r.Version != c.Version || r.Status != credential.Active {
			return fmt.Errorf("client %s: %w", c.ID, store.ErrConflict)
		}
		r.Version++
		r.client.SecretHash, r.client.SecretHint = c.SecretHash, c.SecretHint
		r.client.PreviousHash, r.client.PreviousUntil = c.PreviousHash, c.PreviousUntil
		s.sessions[projectKey{c.ProjectID, c.ID}] = r
		return nil
	})
}
