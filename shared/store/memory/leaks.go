package memory

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

var _ scanning.Store = (*Store)(nil)

// GetClientBySecret reads the client whose current or previous secret
// hashes to h.
func (s *Store) GetClientBySecret(_ context.Context, projectID string, h secret.Hash) (credential.Client, error) {
	defer s.reading()()
	for k, r := range s.sessions {
		if k.project == projectID && r.Kind == credential.KindClient && (r.client.SecretHash == h || r.client.PreviousHash == h) {
			return r.asClient(), nil
		}
	}
	return credential.Client{}, fmt.Errorf("client by secret: %w", store.ErrNotFound)
}

// LeakedSecret reports whether the secret hashed h was recorded leaked.
func (s *Store) LeakedSecret(_ context.Context, projectID string, h secret.Hash) (bool, error) {
	defer s.reading()()
	return s.leakedSecrets[projectKey{projectID, h.String()}], nil
}

// RecordLeak records l all or nothing: the credential's leak once
// (scanning.ErrReported after the first, l.Hash marked all the same),
// l.Hash, l.Change, the audit record ctx carries and l.Event.
func (s *Store) RecordLeak(ctx context.Context, l scanning.Leak) error {
	return s.change(ctx, func() error {
		e := l.Event
		hashKey := projectKey{l.ProjectID, l.Hash.String()}
		if s.leaks[projectKey{l.ProjectID, e.CredentialID}] {
			s.leakedSecrets[hashKey] = true
			return fmt.Errorf("credential %s: %w", e.CredentialID, scanning.ErrReported)
		}
		if _, ok := s.events[projectKey{l.ProjectID, e.ID()}]; ok {
			return fmt.Errorf("event %s: %w", e.ID(), store.ErrConflict)
		}
		if err := s.applyLeak(l); err != nil {
			return err
		}
		s.leaks[projectKey{l.ProjectID, e.CredentialID}] = true
		s.leakedSecrets[hashKey] = true
		e.Time = e.Time.UTC()
		s.events[projectKey{l.ProjectID, e.ID()}] = storedEvent{Event: e}
		return nil
	})
}

// applyLeak makes l.Change, checking its condition first.
func (s *Store) applyLeak(l scanning.Leak) error {
	switch l.Change {
	case scanning.ChangeDeactivateKey, scanning.ChangeDeleteKey:
		cur, err := s.getKey(l.ProjectID, l.Key.ID)
		if err != nil {
			return err
		}
		if err := asRead(cur.Version, l.Key.Version, "key "+l.Key.ID); err != nil {
			return err
		}
		if l.Change == scanning.ChangeDeleteKey {
			delete(s.keys, projectKey{l.ProjectID, l.Key.ID})
			delete(s.hashes, projectKey{l.ProjectID, cur.Hash.String()})
			return nil
		}
		cur.Status = apikey.Inactive
		cur.Version++
		s.keys[projectKey{l.ProjectID, l.Key.ID}] = cur
	case scanning.ChangeRevokeSession:
		id := l.Event.CredentialID
		r, err := s.session(l.ProjectID, id)
		if err != nil || r.Status != credential.Active {
			return fmt.Errorf("credential %s no longer active: %w", id, store.ErrNotFound)
		}
		r.Status = credential.Revoked
		r.Version++
		s.sessions[projectKey{l.ProjectID, id}] = r
	}
	return nil
}
