package oauth

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

// Throttling of failed client authentications, per client id.
const (
	MaxFailures   = 5
	FailureWindow = time.Minute
)

// MaxClientIDLen is the longest client_id (or username) that can name
// anyone, in bytes: usernames are at most 100, client ids shorter.
const MaxClientIDLen = 100

// clientAuth is how a client authenticated (RFC 6749 §2.3.1).
type clientAuth struct {
	id, secret string
	basic      bool
}

// authenticateClient reads the client's credentials; present is false when
// the request carries none.
func authenticateClient(req events.APIGatewayProxyRequest, form map[string]string) (a clientAuth, present bool, err error) {
	id, sec, basic, err := BasicAuth(header(req, "Authorization"))
	if err != nil {
		return a, false, InvalidClient(true)
	}
	_, postID := form["client_id"]
	_, postSecret := form["client_secret"]
	switch {
	case basic && (postID || postSecret):
		return a, false, InvalidRequest("use one client authentication method, not both")
	case basic:
		return clientAuth{id: id, secret: sec, basic: true}, true, nil
	case postID || postSecret:
		return clientAuth{id: form["client_id"], secret: form["client_secret"]}, true, nil
	}
	return a, false, nil
}

// grantee is who authenticated at the token endpoint: an OAuth client, or
// (with password sign-in on) a user by username and password.
type grantee struct {
	sub, clientID, sid string
	scopes             scope.Set // what the credential grants; nil: the owner's
	owner              user.User
	// signIn, for a user signing in, is the session its token names, not
	// yet stored (openSignIn stores it).
	signIn *credential.Session
}

// verifyClient checks a client's secret (or a user's password) presented
// from source (the caller's address), throttling failures per client id
// and source. Unknown client, wrong secret, revoked client and disabled
// owner are one answer.
func (h *Handler) verifyClient(ctx context.Context, auth clientAuth, source string, now time.Time) (grantee, error) {
	// An id that names no one is refused before any store call sees it.
	if len(auth.id) > MaxClientIDLen {
		return grantee{}, InvalidClient(auth.basic)
	}
	// Usernames match regardless of case, so failures are counted that way.
	throttleKey := strings.ToLower(auth.id)
	att, err := h.reserve(ctx, throttleKey, source, now)
	if err != nil {
		return grantee{}, err
	}
	lookup := h.lookupClient
	if h.opt.PasswordSignIn && !strings.HasPrefix(auth.id, string(credential.KindClient)+"_") {
		lookup = h.lookupUser
	}
	g, ok, err := lookup(ctx, auth, now)
	if err != nil || ok {
		// Only a wrong credential keeps its attempt.
		return g, errors.Join(err, att.release(ctx))
	}
	att.spend()
	h.opt.Logger.Info("oauth: client authentication failed", "clientId", throttleKey)
	return grantee{}, InvalidClient(auth.basic)
}

// reserve counts one attempt under key from source before its credential
// is checked, so that parallel guesses cannot pass MaxFailures in a
// window: past it, 429 until the window ends (or, when this process holds
// reservations of that counter, a wait for one of them: handoff; when it
// holds all MaxFailures itself, the store is not asked).
// Attempts are counted per source so that guesses from one place cannot
// lock the holder of the credential out from another (docs/api.md,
// "Throttling"). Settle the attempt with release once the credential
// proves right (or could not be checked), with spend when it is wrong.
func (h *Handler) reserve(ctx context.Context, key, source string, now time.Time) (attempt, error) {
	window := now.Truncate(FailureWindow)
	a := attempt{h: h, counter: key + "@" + sourceBucket(source), window: window}
	a.line = a.counter + "#" + strconv.FormatInt(window.Unix(), 10)
	for {
		if h.handoff.take(a.line) {
			return a, nil
		}
		turn := h.handoff.waitFull(a.line, MaxFailures)
		if turn == nil {
			err := h.store.ReserveAttempt(ctx, h.opt.ProjectID, a.counter, window, FailureWindow, MaxFailures)
			if err == nil {
				h.handoff.took(a.line)
				return a, nil
			}
			if !errors.Is(err, store.ErrConflict) {
				return attempt{}, err
			}
			if turn = h.handoff.wait(a.line); turn == nil {
				return attempt{}, TooManyRequests(window.Add(FailureWindow).Sub(now))
			}
		}
		select {
		case handed := <-turn:
			if handed {
				return a, nil
			}
		case <-ctx.Done():
			if h.handoff.leave(a.line, turn) {
				// Handed one as it gave up: give it back (if that fails
				// too, it stays counted: fail closed).
				_ = a.giveBack(context.WithoutCancel(ctx))
			}
			return attempt{}, ctx.Err()
		}
	}
}

// attempt is one reserved attempt.
type attempt struct {
	h             *Handler
	counter, line string // the store's counter, and handoff's key for it in this window
	window        time.Time
}

// release gives the attempt back: to a request waiting for one, to the
// next request within Options.AttemptLinger, or to the store.
func (a attempt) release(ctx context.Context) error {
	later := func() {
		ctx, cancel := context.WithTimeout(context.Background(), lingerGiveBackTimeout)
		defer cancel()
		if err := a.giveBack(ctx); err != nil {
			a.h.opt.Logger.Warn("oauth: giving back an attempt failed; it stays counted", "error", err)
		}
	}
	if a.h.handoff.pass(a.line, a.h.opt.AttemptLinger, later) {
		return nil
	}
	return a.giveBack(ctx)
}

// lingerGiveBackTimeout bounds giving back a reservation that lingered.
const lingerGiveBackTimeout = 5 * time.Second

// giveBack gives the attempt back to the store.
func (a attempt) giveBack(ctx context.Context) error {
	defer a.h.handoff.returned(a.line)
	return a.h.store.ReleaseAttempt(ctx, a.h.opt.ProjectID, a.counter, a.window)
}

// spend keeps the attempt counted: its credential was wrong.
func (a attempt) spend() { a.h.handoff.spent(a.line) }

// sourceBucket is what attempts from the address source are counted
// under: the IPv4 address, or the /64 of an IPv6 address (one host's
// share); "unknown" for anything else.
func sourceBucket(source string) string {
	a, err := netip.ParseAddr(source)
	switch {
	case err != nil:
		return "unknown"
	case a.Unmap().Is4():
		return a.Unmap().String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return "unknown"
	}
	return p.String()
}

// dummy stands in for an unknown client so that every failure costs the
// same work.
var dummy = credential.Client{SecretHash: secret.Sum("tgc_dummy")}

func (h *Handler) lookupClient(ctx context.Context, auth clientAuth, now time.Time) (grantee, bool, error) {
	c := dummy
	if id.Valid(string(credential.KindClient), auth.id) {
		got, err := h.store.GetClient(ctx, h.opt.ProjectID, auth.id)
		switch {
		case err == nil:
			c = got
		case !errors.Is(err, store.ErrNotFound):
			return grantee{}, false, err
		}
	}
	if !c.Verify(auth.secret, now) || c.Status != credential.Active || c.ID == "" {
		return grantee{}, false, nil
	}
	owner, err := h.activeOwner(ctx, c.Owner)
	if errors.Is(err, store.ErrNotFound) {
		return grantee{}, false, nil
	}
	return grantee{sub: c.ID, clientID: c.ID, sid: c.ID, scopes: c.Scopes, owner: owner}, err == nil, err
}
