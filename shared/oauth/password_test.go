package oauth_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/user"
)

func TestPasswordSignIn(t *testing.T) {
	tests := []struct {
		name    string
		on      bool
		before  func(t *testing.T, f *fixture)
		id, pw  string
		basic   bool
		extra   []string
		status  int
		code    string
		scope   string
		subject string // user whose id is sub and sid
	}{
		{name: "off: a username is an unknown client", id: "carol", pw: carolPW, status: 401, code: "invalid_client"},
		{name: "off: over Basic", id: "carol", pw: carolPW, basic: true, status: 401, code: "invalid_client"},
		{name: "right password", on: true, id: "carol", pw: carolPW, status: 200, scope: "echo:read files:read", subject: "carol"},
		{name: "right password over Basic", on: true, id: "carol", pw: carolPW, basic: true, status: 200, scope: "echo:read files:read", subject: "carol"},
		{name: "username in other case", on: true, id: "CAROL", pw: carolPW, status: 200, scope: "echo:read files:read", subject: "carol"},
		{name: "narrowed scope", on: true, id: "carol", pw: carolPW, extra: []string{"scope", "files:read"}, status: 200, scope: "files:read", subject: "carol"},
		{name: "widened scope", on: true, id: "carol", pw: carolPW, extra: []string{"scope", "echo:write"}, status: 400, code: "invalid_scope"},
		{name: "wrong password", on: true, id: "carol", pw: "not carol's password", status: 401, code: "invalid_client"},
		{name: "wrong password over Basic", on: true, id: "carol", pw: "not carol's password", basic: true, status: 401, code: "invalid_client"},
		{name: "unknown user", on: true, id: "dave", pw: carolPW, status: 401, code: "invalid_client"},
		{name: "user without a password", on: true, id: "alice", pw: carolPW, status: 401, code: "invalid_client"},
		{name: "empty password", on: true, id: "carol", pw: "", status: 401, code: "invalid_client"},
		{name: "disabled user", on: true, before: func(t *testing.T, f *fixture) {
			f.setUser(t, "carol", func(u *user.User) { u.Disabled = true })
		}, id: "carol", pw: carolPW, status: 401, code: "invalid_client"},
		{name: "deleted user", on: true, before: func(t *testing.T, f *fixture) { f.deleteUser(t, "carol") },
			id: "carol", pw: carolPW, status: 401, code: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []option
			if tt.on {
				opts = append(opts, passwordSignIn)
			}
			f := newFixture(t, opts...)
			if tt.before != nil {
				tt.before(t, f)
			}
			req := tokenReq(form(append([]string{"grant_type", "client_credentials", "client_id", tt.id, "client_secret", tt.pw}, tt.extra...)...))
			if tt.basic {
				req = tokenReq(form(append([]string{"grant_type", "client_credentials"}, tt.extra...)...), basic(tt.id, tt.pw))
			}
			a := f.call(t, req)
			if tt.status != 200 {
				a.wantError(t, tt.status, tt.code)
				return
			}
			a.wantOK(t)
			uid := f.users[tt.subject].ID
			if cl := a.claims; cl.Subject != uid || cl.ClientID != "" || a.str(t, "scope") != tt.scope || a.num(t, "expires_in") != 3600 {
				t.Errorf("claims %+v scope %q, want sub %s", cl, a.str(t, "scope"), uid)
			}
			// Each sign-in is a session of its own, owned by the user.
			sess, err := f.store.GetSession(context.Background(), project, a.claims.SessionID)
			if err != nil || sess.Kind != credential.KindPassword || sess.Owner != uid || sess.Status != credential.Active {
				t.Errorf("sid %q: session %+v, %v", a.claims.SessionID, sess, err)
			}
		})
	}
}

// TestPasswordSignInThrottling: usernames match regardless of case, so the
// throttle must count them regardless of case too.
func TestPasswordSignInThrottling(t *testing.T) {
	f := newFixture(t, passwordSignIn)
	for range oauth.MaxFailures {
		f.call(t, tokenReq(form("grant_type", "client_credentials", "client_id", "carol", "client_secret", "wrong password!"))).
			wantError(t, 401, "invalid_client")
	}
	f.call(t, tokenReq(form("grant_type", "client_credentials", "client_id", "carol", "client_secret", carolPW))).wantError(t, 429, "slow_down")
	a := f.call(t, tokenReq(form("grant_type", "client_credentials", "client_id", "Carol", "client_secret", carolPW)))
	if a.StatusCode == 200 {
		t.Fatal("password sign-in throttles by the username as typed, but looks users up regardless of case: after " +
			strconv.Itoa(oauth.MaxFailures) + " failures for \"carol\", \"Carol\" still gets 200 (each case variant is a fresh bucket of guesses)")
	}
	a.wantError(t, 429, "slow_down")
}
