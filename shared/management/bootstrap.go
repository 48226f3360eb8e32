package management

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

// BootstrapStore writes the first user and key together.
type BootstrapStore interface {
	Bootstrap(context.Context, user.User, apikey.Key) error
}

// ErrBootstrapped reports a project that was bootstrapped before.
var ErrBootstrapped = errors.New("already bootstrapped")

// BootstrapUsername of the first admin.
const BootstrapUsername = "admin"

// BootstrapActor names the bootstrap in the audit log.
const BootstrapActor = "tollgate-bootstrap"

// BootstrapResult is what a bootstrap created; Key is the only copy of the secret.
type BootstrapResult struct {
	UserID, KeyID, Key string
	ExpiresAt          time.Time
}

// Bootstrap creates the admin user and its key (inheriting every scope, expiring
// after the default key lifetime; its secret after the deployment's secret
// prefix, "" for none).
func Bootstrap(ctx context.Context, s BootstrapStore, projectID, prefix string, now time.Time) (BootstrapResult, error) {
	u := user.User{ProjectID: projectID, ID: id.New(user.IDPrefix), Username: BootstrapUsername,
		Roles: []string{user.RoleAdmin}, Scopes: scope.Set{}, CreatedAt: now}
	exp := now.Add(apikey.DefaultLifetime)
	k, tok, err := apikey.New(projectID, u.ID, "bootstrap admin key", nil, now, &exp, prefix)
	if err != nil {
		return BootstrapResult{}, err
	}
	ctx = audit.With(ctx, audit.New(projectID, BootstrapActor, audit.UserCreate, audit.User(u.ID), "", "", now))
	if err := s.Bootstrap(ctx, u, k); errors.Is(err, store.ErrConflict) {
		return BootstrapResult{}, ErrBootstrapped
	} else if err != nil {
		return BootstrapResult{}, err
	}
	return BootstrapResult{UserID: u.ID, KeyID: k.ID, Key: tok, ExpiresAt: exp}, nil
}
