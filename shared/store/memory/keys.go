package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

func cloneKey(k apikey.Key) apikey.Key {
	k.Scopes = clone(k.Scopes)
	k.ExpiresAt, k.LastUsedAt = cloneTime(k.ExpiresAt), cloneTime(k.LastUsedAt)
	k.Limits = k.Limits.Clone()
	return k
}

// CreateKey stores a new key; ErrConflict if its id or hash exists.
func (s *Store) CreateKey(ctx context.Context, k apikey.Key) error {
	return s.change(ctx, func() error { return s.createKey(k) })
}

func (s *Store) createKey(k apikey.Key) error {
	_, idTaken := s.keys[projectKey{k.ProjectID, k.ID}]
	_, hashTaken := s.hashes[projectKey{k.ProjectID, k.Hash.String()}]
	if idTaken || hashTaken {
		return fmt.Errorf("key %s: %w", k.ID, store.ErrConflict)
	}
	k.Version = 1
	k = cloneKey(k)
	k.Limits = storedLimits(k.Limits)
	s.keys[projectKey{k.ProjectID, k.ID}] = k
	s.hashes[projectKey{k.ProjectID, k.Hash.String()}] = k.ID
	return nil
}

// GetKey reads a key by id.
func (s *Store) GetKey(_ context.Context, projectID, keyID string) (apikey.Key, error) {
	defer s.reading()()
	return s.getKey(projectID, keyID)
}

func (s *Store) getKey(projectID, keyID string) (apikey.Key, error) {
	k, ok := s.keys[projectKey{projectID, keyID}]
	if !ok {
		return apikey.Key{}, fmt.Errorf("key %s: %w", keyID, store.ErrNotFound)
	}
	return cloneKey(k), nil
}

// GetKeyByHash reads a key by the SHA-256 of its secret.
func (s *Store) GetKeyByHash(_ context.Context, projectID string, h secret.Hash) (apikey.Key, error) {
	defer s.reading()()
	id, ok := s.hashes[projectKey{projectID, h.String()}]
	if !ok {
		return apikey.Key{}, fmt.Errorf("key by hash: %w", store.ErrNotFound)
	}
	return s.getKey(projectID, id)
}

// ListKeys lists an owner's keys, newest first.
func (s *Store) ListKeys(_ context.Context, projectID, owner string, page store.Page) ([]apikey.Key, string, error) {
	defer s.reading()()
	var all []apikey.Key
	for pk, k := range s.keys {
		if pk.project == projectID && k.Owner == owner {
			all = append(all, cloneKey(k))
		}
	}
	return paginate(all, page, func(k apikey.Key) string { return sortKey(k.CreatedAt, k.ID) })
}

// UpdateKey writes k's name, status and limits if it is still at
// k.Version; the quota's balance only when k.Limits.Quota.Reset.
func (s *Store) UpdateKey(ctx context.Context, k apikey.Key) error {
	return s.change(ctx, func() error {
		old, err := s.getKey(k.ProjectID, k.ID)
		if err != nil {
			return err
		}
		if err := asRead(old.Version, k.Version, "key "+k.ID); err != nil {
			return err
		}
		old.Name, old.Status = k.Name, k.Status
		old.Limits = updatedLimits(old.Limits, k.Limits)
		old.Version++
		s.keys[projectKey{k.ProjectID, k.ID}] = old
		return nil
	})
}

// RotateKey ends old and stores its successor atomically, if old is still
// at old.Version and not rotated.
func (s *Store) RotateKey(ctx context.Context, old, successor apikey.Key) error {
	return s.change(ctx, func() error {
		cur, err := s.getKey(old.ProjectID, old.ID)
		if err != nil {
			return err
		}
		if err := asRead(cur.Version, old.Version, "key "+old.ID); err != nil {
			return err
		}
		moved := cur.Limits.Quota != nil && old.Limits.Quota != nil
		if cur.RotatedTo != "" || moved && cur.Limits.Quota.Remaining != old.Limits.Quota.Remaining {
			return fmt.Errorf("key %s: %w", old.ID, store.ErrConflict)
		}
		if err := s.createKey(successor); err != nil {
			return err
		}
		cur.ExpiresAt, cur.RotatedTo = old.ExpiresAt, old.RotatedTo
		if moved { // the balance moved to the successor
			q := *cur.Limits.Quota
			q.Remaining = 0
			cur.Limits.Quota = &q
		}
		cur.Version++
		s.keys[projectKey{old.ProjectID, old.ID}] = cloneKey(cur)
		return nil
	})
}

// DeleteKey removes k if it is still at k.Version.
func (s *Store) DeleteKey(ctx context.Context, k apikey.Key) error {
	return s.change(ctx, func() error {
		cur, err := s.getKey(k.ProjectID, k.ID)
		if err != nil {
			return err
		}
		if err := asRead(cur.Version, k.Version, "key "+k.ID); err != nil {
			return err
		}
		delete(s.keys, projectKey{k.ProjectID, k.ID})
		delete(s.hashes, projectKey{k.ProjectID, cur.Hash.String()})
		return nil
	})
}

// TouchKey records a use unless one was recorded less than minInterval ago.
func (s *Store) TouchKey(_ context.Context, projectID, keyID string, at time.Time, minInterval time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[projectKey{projectID, keyID}]
	if ok && (k.LastUsedAt == nil || !k.LastUsedAt.After(at.Add(-minInterval))) {
		k.LastUsedAt = &at
		s.keys[projectKey{projectID, keyID}] = k
	}
	return nil
}

// Bootstrap creates the first admin user and its key once per project.
func (s *Store) Bootstrap(ctx context.Context, u user.User, k apikey.Key) error {
	return s.change(ctx, func() error {
		if s.bootstrapped[u.ProjectID] {
			return fmt.Errorf("bootstrap: %w", store.ErrConflict)
		}
		if err := s.createUser(u); err != nil {
			return err
		}
		if err := s.createKey(k); err != nil {
			s.deleteUser(u)
			return err
		}
		s.bootstrapped[u.ProjectID] = true
		return nil
	})
}
