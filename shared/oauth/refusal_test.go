package oauth_test

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestRefusalsWriteNothing: a refused request leaves the store as it was
// (no replay record, no sign-in session), and authenticating at
// /oauth/revoke with a username and password opens no session. A refused
// assertion stays unspent.
func TestRefusalsWriteNothing(t *testing.T) {
	cases := []struct {
		name   string
		opts   []option
		req    func(t *testing.T, f *fixture) events.APIGatewayProxyRequest
		status int
		code   string
		after  func(t *testing.T, f *fixture)
	}{
		{name: "assertion asking beyond its user's scopes", req: func(t *testing.T, f *fixture) events.APIGatewayProxyRequest {
			h := f.bindCertificate(t, "alice")
			signed := f.assertion(t, h)
			t.Cleanup(func() { f.ok(t, assertionGrant(signed, nil)) }) // unspent
			return assertionGrant(signed, []string{"scope", "users:admin"})
		}, status: 400, code: "invalid_scope"},
		{name: "assertion asking a malformed scope", req: func(t *testing.T, f *fixture) events.APIGatewayProxyRequest {
			return assertionGrant(f.assertion(t, f.bindCertificate(t, "alice")), []string{"scope", "Echo:Read"})
		}, status: 400, code: "invalid_scope"},
		{name: "password sign-in asking beyond the user's scopes", opts: []option{passwordSignIn}, req: func(*testing.T, *fixture) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", "carol", "client_secret", carolPW, "scope", "echo:write"))
		}, status: 400, code: "invalid_scope"},
		{name: "client asking beyond its grant", req: func(t *testing.T, f *fixture) events.APIGatewayProxyRequest {
			c, sec := f.client(t, "bob", nil)
			return basicGrant(c.ID, sec, "scope", "echo:write")
		}, status: 400, code: "invalid_scope"},
		{name: "revoke authenticated by username and password", opts: []option{passwordSignIn}, req: func(*testing.T, *fixture) events.APIGatewayProxyRequest {
			return revokeReq(form("token", "a.b.c", "client_id", "carol", "client_secret", carolPW))
		}, status: 200},
		{name: "revoke over Basic with username and password", opts: []option{passwordSignIn}, req: func(*testing.T, *fixture) events.APIGatewayProxyRequest {
			return revokeReq(form("token", "tgr_unknown"), basic("carol", carolPW))
		}, status: 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.opts...)
			a := f.call(t, c.req(t, f))
			if c.status == 200 {
				a.wantOK(t)
			} else {
				a.wantError(t, c.status, c.code)
			}
			if a.writes != 0 {
				t.Errorf("%d store writes", a.writes)
			}
		})
	}
}

// TestAssertionSpentOnce: of parallel uses of one assertion exactly one
// gets a token, now that the scope is checked before the replay record; the
// others are refused as replays (429 once the replays reach the throttle).
func TestAssertionSpentOnce(t *testing.T) {
	f := newFixture(t)
	signed := f.assertion(t, f.bindCertificate(t, "alice"))
	const n = 20
	count := parallel(f, n, assertionGrant(signed, []string{"scope", "echo:read"}))
	if count[200] != 1 || count[401]+count[429] != n-1 {
		t.Fatalf("statuses %v, want one 200 and %d 401 or 429", count, n-1)
	}
}
