package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/password"
	"github.com/tollgate/tollgate/shared/store"
)

// lookupUser checks a username and password (Argon2id); an unknown user
// costs the same as a wrong password.
func (h *Handler) lookupUser(ctx context.Context, auth clientAuth, now time.Time) (grantee, bool, error) {
	u, err := h.store.GetUserByUsername(ctx, h.opt.ProjectID, auth.id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return grantee{}, false, err
	}
	if !password.Check(auth.secret, u.PasswordHash) || u.Disabled {
		return grantee{}, false, nil
	}
	// Each sign-in is a session of its own, so its token can be revoked. It
	// starts at the same now the token's iat is taken from: a later clock
	// reading could fall in the next second and refuse the token.
	exp := now.Add(credential.AccessTokenTTL)
	s := credential.Session{ProjectID: h.opt.ProjectID, ID: id.New(string(credential.KindPassword)), Kind: credential.KindPassword,
		Owner: u.ID, Name: "password sign-in", Status: credential.Active, CreatedAt: now, ExpiresAt: &exp, NotBefore: now.Truncate(time.Second)}
	actx := audit.Retarget(ctx, audit.JWTCreate, audit.Credential(s.Kind.Type(), s.ID), now)
	if err := h.store.CreateSession(actx, s); err != nil {
		return grantee{}, false, err
	}
	return grantee{sub: u.ID, sid: s.ID, owner: u}, true, nil
}
