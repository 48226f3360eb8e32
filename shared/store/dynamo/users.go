package dynamo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

const (
	skUser     = "USER"
	skUsername = "USERNAME"
	kindUser   = "USER#"
)

type userItem struct {
	PK        string         `dynamodbav:"PK"`
	SK        string         `dynamodbav:"SK"`
	GSI1PK    string         `dynamodbav:"GSI1PK"`
	GSI1SK    string         `dynamodbav:"GSI1SK"`
	ProjectID string         `dynamodbav:"projectId"`
	UserID    string         `dynamodbav:"userId"`
	Username  string         `dynamodbav:"username"`
	Roles     []string       `dynamodbav:"roles"`
	Scopes    []string       `dynamodbav:"scopes"`
	Disabled  bool           `dynamodbav:"disabled"`
	CreatedAt string         `dynamodbav:"createdAt"`
	Password  string         `dynamodbav:"passwordHash,omitempty"`
	Version   int64          `dynamodbav:"version,omitempty"`
	RateLimit *rateLimitItem `dynamodbav:"rateLimit,omitempty"`
}

func userPK(projectID, userID string) string { return pk(projectID, "USER", userID) }

// usernamePK makes usernames unique regardless of case, so "Alice" cannot
// pass for "alice".
func usernamePK(projectID, username string) string {
	return pk(projectID, "USERNAME", strings.ToLower(username))
}

func usersGSIPK(projectID string) string { return pk(projectID, "USERS") }

func toUserItem(u user.User) userItem {
	return userItem{
		PK: userPK(u.ProjectID, u.ID), SK: skUser,
		GSI1PK: usersGSIPK(u.ProjectID), GSI1SK: kindUser + formatTime(u.CreatedAt) + "#" + u.ID,
		ProjectID: u.ProjectID, UserID: u.ID, Username: u.Username,
		Roles: nonNil(u.Roles), Scopes: nonNil(u.Scopes), Disabled: u.Disabled,
		CreatedAt: formatTime(u.CreatedAt), Password: u.PasswordHash, Version: 1, RateLimit: toRateLimitItem(u.RateLimit),
	}
}

func fromUserItem(it userItem) (user.User, error) {
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return user.User{}, fmt.Errorf("decoding user createdAt: %w", err)
	}
	return user.User{
		ProjectID: it.ProjectID, ID: it.UserID, Username: it.Username,
		Roles: it.Roles, Scopes: scope.Set(it.Scopes), Disabled: it.Disabled, CreatedAt: created, PasswordHash: it.Password,
		Version: it.Version, RateLimit: fromRateLimitItem(it.RateLimit),
	}, nil
}

func (s *Store) userPuts(u user.User) ([]types.TransactWriteItem, error) {
	record, err := s.encodeNew(toUserItem(u), "user")
	if err != nil {
		return nil, err
	}
	name, err := s.encodeNew(map[string]string{
		AttrPK: usernamePK(u.ProjectID, u.Username), AttrSK: skUsername, "userId": u.ID, "projectId": u.ProjectID,
	}, "username")
	if err != nil {
		return nil, err
	}
	return append(record, name...), nil
}

// CreateUser stores a new user; ErrConflict if the username or id is taken.
func (s *Store) CreateUser(ctx context.Context, u user.User) error {
	puts, err := s.userPuts(u)
	if err != nil {
		return err
	}
	return s.transact(ctx, puts, func(int) error {
		return fmt.Errorf("user %q: %w", u.Username, store.ErrConflict)
	})
}

// GetUser reads a user; ErrNotFound if there is none.
func (s *Store) GetUser(ctx context.Context, projectID, userID string) (user.User, error) {
	return getAs(ctx, s, key(userPK(projectID, userID), skUser), "user "+userID, fromUserItem)
}

// GetUserByUsername reads a user by username (matched regardless of case).
func (s *Store) GetUserByUsername(ctx context.Context, projectID, username string) (user.User, error) {
	av, err := s.get(ctx, key(usernamePK(projectID, username), skUsername))
	if err != nil {
		return user.User{}, fmt.Errorf("username: %w", err)
	}
	var ref struct {
		UserID string `dynamodbav:"userId"`
	}
	if err := attributevalue.UnmarshalMap(av, &ref); err != nil {
		return user.User{}, fmt.Errorf("decoding username: %w", err)
	}
	return s.GetUser(ctx, projectID, ref.UserID)
}

// ListUsers lists a project's users, newest first.
func (s *Store) ListUsers(ctx context.Context, projectID string, page store.Page) ([]user.User, string, error) {
	return listOwned(ctx, s, usersGSIPK(projectID), kindUser, page,
		func(id string) item { return key(userPK(projectID, id), skUser) }, fromUserItem)
}

// UpdateUser writes a user's roles, scopes, disabled flag and rate limit
// (removed when nil), on condition
// that it is still at u.Version; ErrConflict if it changed since it was
// read, ErrNotFound if it is gone.
func (s *Store) UpdateUser(ctx context.Context, u user.User) error {
	x := newUpdateExpr()
	x.setValue("roles", nonNil(u.Roles))
	x.setValue("scopes", nonNil(u.Scopes))
	x.setTo("disabled", &types.AttributeValueMemberBOOL{Value: u.Disabled})
	x.setRateLimit(u.RateLimit)
	return s.updateAsRead(ctx, key(userPK(u.ProjectID, u.ID), skUser), "user "+u.ID, u.Version, x, "")
}

// DeleteUser removes a user and frees its username, on condition that it is
// still at u.Version; ErrConflict if it changed, ErrNotFound if absent.
func (s *Store) DeleteUser(ctx context.Context, u user.User) error {
	k := key(userPK(u.ProjectID, u.ID), skUser)
	return s.transact(ctx, []types.TransactWriteItem{
		{Delete: s.deleteAsRead(k, u.Version)},
		{Delete: &types.Delete{TableName: s.table, Key: key(usernamePK(u.ProjectID, u.Username), skUsername)}},
	}, func(int) error { return s.changedOrGone(ctx, k, "user "+u.ID) })
}
