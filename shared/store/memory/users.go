package memory

import (
	"context"
	"fmt"
	"strings"

	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

func cloneUser(u user.User) user.User {
	u.Roles, u.Scopes = clone(u.Roles), clone(u.Scopes)
	u.RateLimit = cloneRateLimit(u.RateLimit)
	return u
}

// CreateUser stores a new user; ErrConflict if the username or id is taken.
func (s *Store) CreateUser(ctx context.Context, u user.User) error {
	return s.change(ctx, func() error { return s.createUser(u) })
}

func (s *Store) createUser(u user.User) error {
	_, idTaken := s.users[projectKey{u.ProjectID, u.ID}]
	_, nameTaken := s.usernames[projectKey{u.ProjectID, strings.ToLower(u.Username)}]
	if idTaken || nameTaken {
		return fmt.Errorf("user %q: %w", u.Username, store.ErrConflict)
	}
	u.Version = 1
	s.users[projectKey{u.ProjectID, u.ID}] = cloneUser(u)
	s.usernames[projectKey{u.ProjectID, strings.ToLower(u.Username)}] = u.ID
	return nil
}

// GetUser reads a user.
func (s *Store) GetUser(_ context.Context, projectID, userID string) (user.User, error) {
	defer s.reading()()
	u, ok := s.users[projectKey{projectID, userID}]
	if !ok {
		return user.User{}, fmt.Errorf("user %s: %w", userID, store.ErrNotFound)
	}
	return cloneUser(u), nil
}

// GetUserByUsername reads a user by username (matched regardless of case).
func (s *Store) GetUserByUsername(_ context.Context, projectID, username string) (user.User, error) {
	defer s.reading()()
	id, ok := s.usernames[projectKey{projectID, strings.ToLower(username)}]
	u, found := s.users[projectKey{projectID, id}]
	if !ok || !found {
		return user.User{}, fmt.Errorf("username: %w", store.ErrNotFound)
	}
	return cloneUser(u), nil
}

// ListUsers lists a project's users, newest first.
func (s *Store) ListUsers(_ context.Context, projectID string, page store.Page) ([]user.User, string, error) {
	defer s.reading()()
	var all []user.User
	for k, u := range s.users {
		if k.project == projectID {
			all = append(all, cloneUser(u))
		}
	}
	return paginate(all, page, func(u user.User) string { return sortKey(u.CreatedAt, u.ID) })
}

// UpdateUser replaces a user's roles, scopes, disabled flag and rate
// limit if it is still at u.Version.
func (s *Store) UpdateUser(ctx context.Context, u user.User) error {
	return s.change(ctx, func() error {
		old, ok := s.users[projectKey{u.ProjectID, u.ID}]
		if !ok {
			return fmt.Errorf("user %s: %w", u.ID, store.ErrNotFound)
		}
		if err := asRead(old.Version, u.Version, "user "+u.ID); err != nil {
			return err
		}
		old.Roles, old.Scopes, old.Disabled = clone(u.Roles), clone(u.Scopes), u.Disabled
		old.RateLimit = cloneRateLimit(u.RateLimit)
		old.Version++
		s.users[projectKey{u.ProjectID, u.ID}] = old
		return nil
	})
}

// DeleteUser removes a user and frees its username if it is still at
// u.Version.
func (s *Store) DeleteUser(ctx context.Context, u user.User) error {
	return s.change(ctx, func() error {
		cur, ok := s.users[projectKey{u.ProjectID, u.ID}]
		if !ok {
			return fmt.Errorf("user %s: %w", u.ID, store.ErrNotFound)
		}
		if err := asRead(cur.Version, u.Version, "user "+u.ID); err != nil {
			return err
		}
		s.deleteUser(u)
		return nil
	})
}

func (s *Store) deleteUser(u user.User) {
	delete(s.users, projectKey{u.ProjectID, u.ID})
	delete(s.usernames, projectKey{u.ProjectID, strings.ToLower(u.Username)})
}
