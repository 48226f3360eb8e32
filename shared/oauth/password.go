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
	s := h.signIn(credential.KindPassword, "password sign-in", u.ID, now)
	return grantee{sub: u.ID, sid: s.ID, owner: u, signIn: &s}, true, nil
}

// signIn is the session of one sign-in of owner, so that its token can be
// revoked; openSignIn stores it once a token is to be issued. It starts at
// the same now the token's iat is taken from: a later clock reading could
// fall in the next second and refuse the token.
func (h *Handler) signIn(kind credential.Kind, name, owner string, now time.Time) credential.Session {
	exp := now.Add(credential.AccessTokenTTL)
	return credential.Session{ProjectID: h.opt.ProjectID, ID: id.New(string(kind)), Kind: kind, Owner: owner, Name: name,
		Status: credential.Active, CreatedAt: now, ExpiresAt: &exp, NotBefore: now.Truncate(time.Second)}
}

// openSignIn stores g's sign-in session, when it has one: only once a
// token is to be issued, so that a refused request or a revocation opens
// none.
func (h *Handler) openSignIn(ctx context.Context, g grantee, now time.Time) error {
	if g.signIn == nil {
		return nil
	}
	actx := audit.Retarget(ctx, audit.JWTCreate, audit.Credential(g.signIn.Kind.Type(), g.signIn.ID), now)
	return h.store.CreateSession(actx, *g.signIn)
}
