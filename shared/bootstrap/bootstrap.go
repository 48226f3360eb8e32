package bootstrap

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

// Store writes the first user and key together.
type Store interface {
	Bootstrap(context.Context, user.User, apikey.Key) error
}

// ErrDone reports a project that was bootstrapped before.
var ErrDone = errors.New("already bootstrapped")

// Username of the first admin.
const Username = "admin"

// Actor names the bootstrap in the audit log.
const Actor = "tollgate-bootstrap"

// Result is what a bootstrap created; Key is the only copy of the secret.
type Result struct {
	UserID, KeyID, Key string
	ExpiresAt          time.Time
}

// Run creates the admin user and its key (inheriting every scope, expiring
// after the default key lifetime).
func Run(ctx context.Context, s Store, projectID string, now time.Time) (Result, error) {
	u := user.User{ProjectID: projectID, ID: id.New(user.IDPrefix), Username: Username,
		Roles: []string{user.RoleAdmin}, Scopes: scope.Set{}, CreatedAt: now}
	exp := now.Add(apikey.DefaultLifetime)
	k, tok, err := apikey.New(projectID, u.ID, "bootstrap admin key", nil, now, &exp)
	if err != nil {
		return Result{}, err
	}
	ctx = audit.With(ctx, audit.New(projectID, Actor, audit.UserCreate, audit.TargetUser, u.ID, "", "", now))
	if err := s.Bootstrap(ctx, u, k); errors.Is(err, store.ErrConflict) {
		return Result{}, ErrDone
	} else if err != nil {
		return Result{}, err
	}
	return Result{UserID: u.ID, KeyID: k.ID, Key: tok, ExpiresAt: exp}, nil
}
