package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/store"
)

// CreateSAS stores a user's SAS credential.
func (s *Store) CreateSAS(ctx context.Context, c sas.Sealed) error {
	c.Version = 1
	return s.change(ctx, func() error { return s.sas.add(c.ProjectID, c.Identifier, c.Owner, c) })
}

// GetSAS reads a SAS credential by identifier.
func (s *Store) GetSAS(_ context.Context, projectID, identifier string) (sas.Sealed, error) {
	defer s.reading()()
	return s.sas.get(projectID, identifier)
}

// GetSASByOwner reads a user's SAS credential.
func (s *Store) GetSASByOwner(_ context.Context, projectID, owner string) (sas.Sealed, error) {
	return getByOwner(s, s.sas, projectID, owner)
}

// UpdateSAS writes a credential's keys and enabled flag if it is still at
// c.Version.
func (s *Store) UpdateSAS(ctx context.Context, c sas.Sealed) error {
	return s.change(ctx, func() error {
		return s.sas.update(c.ProjectID, c.Identifier, c.Owner, func(cur *sas.Sealed) error {
			if err := asRead(cur.Version, c.Version, "SAS credential"); err != nil {
				return err
			}
			cur.Keys, cur.Enabled = clone(c.Keys), c.Enabled
			cur.Version++
			return nil
		})
	})
}

// RecordAssertion remembers a client assertion's jti; ErrConflict on replay.
func (s *Store) RecordAssertion(_ context.Context, projectID, issuer, jti string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := projectKey{projectID, issuer + "#" + jti}
	if s.assertions[k] {
		return fmt.Errorf("assertion %s: %w", jti, store.ErrConflict)
	}
	s.assertions[k] = true
	return nil
}
