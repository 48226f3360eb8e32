package memory

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

type projectKey struct{ project, id string }

// Store keeps records in maps guarded by one mutex.
type Store struct {
	mu           sync.Mutex
	users        map[projectKey]user.User
	usernames    map[projectKey]string
	keys         map[projectKey]apikey.Key
	hashes       map[projectKey]string // project+hash -> keyId
	bootstrapped map[string]bool
	sessions     map[projectKey]sessionRecord
	refresh      map[projectKey]refresh.Token // project+hash
	failures     map[throttleKey]int
	sas          map[projectKey]sas.Sealed       // project+identifier
	sasOwners    map[projectKey]string           // project+owner -> identifier
	assertions   map[projectKey]bool             // project+issuer#jti seen
	certs        map[projectKey]certbind.Binding // project+thumbprint
	certOwners   map[projectKey]string           // project+owner -> thumbprint
	swept        map[projectKey]bool             // sessions the sweep has handled
	notified     map[projectKey]bool             // credentials told credential.expiring
	cursors      map[string]time.Time            // sweep cursor per project
	auditLog     []audit.Record                  // audit records, in write order

	// Reads counts every read call, for tests that prove a path makes none.
	Reads atomic.Int64
}

// New returns an empty store.
func New() *Store {
	return &Store{
		users: map[projectKey]user.User{}, usernames: map[projectKey]string{},
		keys: map[projectKey]apikey.Key{}, hashes: map[projectKey]string{}, bootstrapped: map[string]bool{},
	}
}

func clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func cloneUser(u user.User) user.User {
	u.Roles, u.Scopes = clone(u.Roles), clone(u.Scopes)
	return u
}

func cloneKey(k apikey.Key) apikey.Key {
	k.Scopes = clone(k.Scopes)
	if k.ExpiresAt != nil {
		t := *k.ExpiresAt
		k.ExpiresAt = &t
	}
	if k.LastUsedAt != nil {
		t := *k.LastUsedAt
		k.LastUsedAt = &t
	}
	return k
}

// CreateUser stores a new user; ErrConflict if the username or id is taken.
func (s *Store) CreateUser(ctx context.Context, u user.User) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	return s.createUser(u)
}

func (s *Store) createUser(u user.User) error {
	_, idTaken := s.users[projectKey{u.ProjectID, u.ID}]
	_, nameTaken := s.usernames[projectKey{u.ProjectID, strings.ToLower(u.Username)}]
	if idTaken || nameTaken {
		return fmt.Errorf("user %q: %w", u.Username, store.ErrConflict)
	}
	s.users[projectKey{u.ProjectID, u.ID}] = cloneUser(u)
	s.usernames[projectKey{u.ProjectID, strings.ToLower(u.Username)}] = u.ID
	return nil
}

// GetUser reads a user.
func (s *Store) GetUser(_ context.Context, projectID, userID string) (user.User, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[projectKey{projectID, userID}]
	if !ok {
		return user.User{}, fmt.Errorf("user %s: %w", userID, store.ErrNotFound)
	}
	return cloneUser(u), nil
}

// GetUserByUsername reads a user by username (matched regardless of case).
func (s *Store) GetUserByUsername(_ context.Context, projectID, username string) (user.User, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.usernames[projectKey{projectID, strings.ToLower(username)}]
	u, found := s.users[projectKey{projectID, id}]
	if !ok || !found {
		return user.User{}, fmt.Errorf("username: %w", store.ErrNotFound)
	}
	return cloneUser(u), nil
}

// ListUsers lists a project's users, newest first.
func (s *Store) ListUsers(_ context.Context, projectID string, page store.Page) ([]user.User, string, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []user.User
	for k, u := range s.users {
		if k.project == projectID {
			all = append(all, cloneUser(u))
		}
	}
	return paginate(all, page, func(u user.User) string { return sortKey(u.CreatedAt, u.ID) })
}

// UpdateUser replaces a user's roles, scopes and disabled flag.
func (s *Store) UpdateUser(ctx context.Context, u user.User) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	old, ok := s.users[projectKey{u.ProjectID, u.ID}]
	if !ok {
		return fmt.Errorf("user %s: %w", u.ID, store.ErrNotFound)
	}
	old.Roles, old.Scopes, old.Disabled = clone(u.Roles), clone(u.Scopes), u.Disabled
	s.users[projectKey{u.ProjectID, u.ID}] = old
	return nil
}

// DeleteUser removes a user and frees its username.
func (s *Store) DeleteUser(ctx context.Context, u user.User) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	if _, ok := s.users[projectKey{u.ProjectID, u.ID}]; !ok {
		return fmt.Errorf("user %s: %w", u.ID, store.ErrNotFound)
	}
	delete(s.users, projectKey{u.ProjectID, u.ID})
	delete(s.usernames, projectKey{u.ProjectID, strings.ToLower(u.Username)})
	return nil
}

// CreateKey stores a new key; ErrConflict if its id or hash exists.
func (s *Store) CreateKey(ctx context.Context, k apikey.Key) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	return s.createKey(k)
}

func (s *Store) createKey(k apikey.Key) error {
	_, idTaken := s.keys[projectKey{k.ProjectID, k.ID}]
	_, hashTaken := s.hashes[projectKey{k.ProjectID, k.Hash.String()}]
	if idTaken || hashTaken {
		return fmt.Errorf("key %s: %w", k.ID, store.ErrConflict)
	}
	s.keys[projectKey{k.ProjectID, k.ID}] = cloneKey(k)
	s.hashes[projectKey{k.ProjectID, k.Hash.String()}] = k.ID
	return nil
}

// GetKey reads a key by id.
func (s *Store) GetKey(_ context.Context, projectID, keyID string) (apikey.Key, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
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
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.hashes[projectKey{projectID, h.String()}]
	if !ok {
		return apikey.Key{}, fmt.Errorf("key by hash: %w", store.ErrNotFound)
	}
	return s.getKey(projectID, id)
}

// ListKeys lists an owner's keys, newest first.
func (s *Store) ListKeys(_ context.Context, projectID, owner string, page store.Page) ([]apikey.Key, string, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []apikey.Key
	for pk, k := range s.keys {
		if pk.project == projectID && k.Owner == owner {
			all = append(all, cloneKey(k))
		}
	}
	return paginate(all, page, func(k apikey.Key) string { return sortKey(k.CreatedAt, k.ID) })
}

// UpdateKey writes k's name and status.
func (s *Store) UpdateKey(ctx context.Context, k apikey.Key) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	old, err := s.getKey(k.ProjectID, k.ID)
	if err != nil {
		return err
	}
	old.Name, old.Status = k.Name, k.Status
	s.keys[projectKey{k.ProjectID, k.ID}] = old
	return nil
}

// RotateKey ends old and stores its successor atomically.
func (s *Store) RotateKey(ctx context.Context, old, successor apikey.Key) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	cur, err := s.getKey(old.ProjectID, old.ID)
	if err != nil {
		return err
	}
	if cur.RotatedTo != "" {
		return fmt.Errorf("key %s: %w", old.ID, store.ErrConflict)
	}
	if err := s.createKey(successor); err != nil {
		return err
	}
	cur.ExpiresAt, cur.RotatedTo = old.ExpiresAt, old.RotatedTo
	s.keys[projectKey{old.ProjectID, old.ID}] = cloneKey(cur)
	return nil
}

// DeleteKey removes k.
func (s *Store) DeleteKey(ctx context.Context, k apikey.Key) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	cur, err := s.getKey(k.ProjectID, k.ID)
	if err != nil {
		return err
	}
	delete(s.keys, projectKey{k.ProjectID, k.ID})
	delete(s.hashes, projectKey{k.ProjectID, cur.Hash.String()})
	return nil
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
func (s *Store) Bootstrap(ctx context.Context, u user.User, k apikey.Key) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	if s.bootstrapped[u.ProjectID] {
		return fmt.Errorf("bootstrap: %w", store.ErrConflict)
	}
	if err := s.createUser(u); err != nil {
		return err
	}
	if err := s.createKey(k); err != nil {
		delete(s.users, projectKey{u.ProjectID, u.ID})
		delete(s.usernames, projectKey{u.ProjectID, strings.ToLower(u.Username)})
		return err
	}
	s.bootstrapped[u.ProjectID] = true
	return nil
}

const sortTimeFormat = "2006-01-02T15:04:05.000000000Z"

func sortKey(created time.Time, id string) string {
	return created.UTC().Format(sortTimeFormat) + "#" + id
}

// paginate sorts newest first and returns the page after cursor.
func paginate[T any](all []T, page store.Page, sk func(T) string) ([]T, string, error) {
	slices.SortFunc(all, func(a, b T) int { return cmp.Compare(sk(b), sk(a)) })
	start := 0
	if page.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(page.Cursor)
		stamp, id, found := strings.Cut(string(raw), "#")
		if _, terr := time.Parse(sortTimeFormat, stamp); err != nil || terr != nil || !found || id == "" {
			return nil, "", store.ErrBadCursor
		}
		for start < len(all) && sk(all[start]) >= string(raw) {
			start++
		}
	}
	end := min(start+page.Limit, len(all))
	next := ""
	if end < len(all) {
		next = base64.RawURLEncoding.EncodeToString([]byte(sk(all[end-1])))
	}
	return all[start:end], next, nil
}
