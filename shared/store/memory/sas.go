package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/store"
)

func cloneSAS(c sas.Sealed) sas.Sealed {
	c.Keys = clone(c.Keys)
	return c
}

// CreateSAS stores a user's SAS credential.
func (s *Store) CreateSAS(ctx context.Context, c sas.Sealed) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	if s.sas == nil {
		s.sas, s.sasOwners = map[projectKey]sas.Sealed{}, map[projectKey]string{}
	}
	_, idTaken := s.sas[projectKey{c.ProjectID, c.Identifier}]
	_, ownerHas := s.sasOwners[projectKey{c.ProjectID, c.Owner}]
	if idTaken || ownerHas {
		return fmt.Errorf("SAS credential: %w", store.ErrConflict)
	}
	s.sas[projectKey{c.ProjectID, c.Identifier}] = cloneSAS(c)
	s.sasOwners[projectKey{c.ProjectID, c.Owner}] = c.Identifier
	return nil
}

// GetSAS reads a SAS credential by identifier.
func (s *Store) GetSAS(_ context.Context, projectID, identifier string) (sas.Sealed, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.sas[projectKey{projectID, identifier}]
	if !ok {
		return sas.Sealed{}, fmt.Errorf("SAS credential: %w", store.ErrNotFound)
	}
	return cloneSAS(c), nil
}

// GetSASByOwner reads a user's SAS credential.
func (s *Store) GetSASByOwner(ctx context.Context, projectID, owner string) (sas.Sealed, error) {
	s.mu.Lock()
	identifier, ok := s.sasOwners[projectKey{projectID, owner}]
	s.mu.Unlock()
	if !ok {
		return sas.Sealed{}, fmt.Errorf("SAS credential: %w", store.ErrNotFound)
	}
	return s.GetSAS(ctx, projectID, identifier)
}

// UpdateSAS writes a credential's keys and enabled flag.
func (s *Store) UpdateSAS(ctx context.Context, c sas.Sealed) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	cur, ok := s.sas[projectKey{c.ProjectID, c.Identifier}]
	if !ok || cur.Owner != c.Owner {
		return fmt.Errorf("SAS credential: %w", store.ErrNotFound)
	}
	cur.Keys, cur.Enabled = clone(c.Keys), c.Enabled
	s.sas[projectKey{c.ProjectID, c.Identifier}] = cur
	return nil
}

// RecordAssertion remembers a client assertion's jti; ErrConflict on replay.
func (s *Store) RecordAssertion(_ context.Context, projectID, issuer, jti string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.assertions == nil {
		s.assertions = map[projectKey]bool{}
	}
	k := projectKey{projectID, issuer + "#" + jti}
	if s.assertions[k] {
		return fmt.Errorf("assertion %s: %w", jti, store.ErrConflict)
	}
	s.assertions[k] = true
	return nil
}
