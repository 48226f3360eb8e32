package oauth_test

import (
	"context"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/user"
)

// TestBadCredentialsAreIndistinguishable: every way client authentication
// fails gets the same answer, byte for byte.
func TestBadCredentialsAreIndistinguishable(t *testing.T) {
	f := newFixture(t, passwordSignIn)
	ctx := context.Background()
	live, _ := f.client(t, "alice", nil)
	_, other := f.client(t, "alice", nil)
	revoked, revokedSec := f.client(t, "alice", nil)
	if err := f.store.RevokeSession(ctx, project, revoked.ID, t0); err != nil {
		t.Fatal(err)
	}
	orphan, orphanSec := f.client(t, "bob", nil)
	f.setUser(t, "bob", func(u *user.User) { u.Disabled = true })
	failures := []struct{ name, id, sec string }{
		{"wrong secret", live.ID, other},
		{"unknown client", id.New("cli"), other},
		{"malformed client id", "cli_!", other},
		{"revoked client", revoked.ID, revokedSec},
		{"disabled owner", orphan.ID, orphanSec},
		{"malformed secret", live.ID, "hunter2"},
		{"empty secret", live.ID, ""},
		{"unknown user", "nobody", carolPW},
		{"wrong password", "carol", "not carol's password"},
	}
	for _, style := range []string{"post", "basic"} {
		f.clock.Advance(oauth.FailureWindow) // each style in its own throttling window
		var first *events.APIGatewayProxyResponse
		for _, c := range failures {
			req := tokenReq(form("grant_type", "client_credentials", "client_id", c.id, "client_secret", c.sec))
			if style == "basic" {
				req = basicGrant(c.id, c.sec)
			}
			a := f.call(t, req)
			a.wantError(t, 401, "invalid_client")
			if a.Body != `{"error":"invalid_client","error_description":"Bad credentials"}` {
				t.Errorf("%s %s: body %s", style, c.name, a.Body)
			}
			if first == nil {
				first = &a.APIGatewayProxyResponse
				continue
			}
			if a.StatusCode != first.StatusCode || a.Body != first.Body || !maps.Equal(a.Headers, first.Headers) {
				t.Errorf("%s %s: %d %v %s differs from %d %v %s", style, c.name, a.StatusCode, a.Headers, a.Body,
					first.StatusCode, first.Headers, first.Body)
			}
		}
	}
}

func TestClientSecretRotationGrace(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		old   int // status of the old secret
	}{
		{"at once", 0, 200},
		{"a day less a second", 24*time.Hour - time.Second, 200},
		{"a day", 24 * time.Hour, 401},
		{"a month", 30 * 24 * time.Hour, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c, old := f.client(t, "alice", scope.Set{"echo:read"})
			rotated, fresh := f.rotate(t, c)
			f.clock.Advance(tt.after)
			a := f.call(t, basicGrant(c.ID, old))
			if a.StatusCode != tt.old {
				t.Errorf("old secret after %v: %d %s, want %d", tt.after, a.StatusCode, a.Body, tt.old)
			}
			f.ok(t, basicGrant(c.ID, fresh))

			// A second rotation ends the first secret at once.
			_, newest := f.rotate(t, rotated)
			f.call(t, basicGrant(c.ID, old)).wantError(t, 401, "invalid_client")
			f.ok(t, basicGrant(c.ID, fresh))
			f.ok(t, basicGrant(c.ID, newest))
		})
	}
}

// TestThrottling: MaxFailures failed authentications for one client id
// in a minute window turn every request for that id, right secret
// included, into 429 slow_down until the next window.
func TestThrottling(t *testing.T) {
	f := newFixture(t)
	c, sec := f.client(t, "alice", nil)
	other, otherSec := f.client(t, "bob", nil)
	right := func() events.APIGatewayProxyRequest {
		return tokenReq(form("grant_type", "client_credentials", "client_id", c.ID, "client_secret", sec))
	}
	wrong := func(i int) events.APIGatewayProxyRequest {
		if i%2 == 0 { // Basic and post count alike
			return basicGrant(c.ID, otherSec)
		}
		return tokenReq(form("grant_type", "client_credentials", "client_id", c.ID, "client_secret", "tgc_wrong"))
	}

	f.clock.Advance(10 * time.Second)
	for i := range oauth.MaxFailures - 1 {
		f.call(t, wrong(i)).wantError(t, 401, "invalid_client")
	}
	f.call(t, right()).wantOK(t) // four failures: not yet
	f.call(t, wrong(oauth.MaxFailures)).wantError(t, 401, "invalid_client")

	f.clock.Advance(5 * time.Second) // 19:30:15
	for _, req := range []events.APIGatewayProxyRequest{right(), wrong(0), wrong(1)} {
		a := f.call(t, req)
		a.wantError(t, http.StatusTooManyRequests, "slow_down")
		if got := a.Headers["Retry-After"]; got != "45" {
			t.Errorf("Retry-After = %q, want 45 (seconds to the next window)", got)
		}
	}
	// The revocation endpoint authenticates clients the same way.
	at := f.ok(t, basicGrant(other.ID, otherSec))
	f.call(t, revokeReq(form("token", at.str(t, "access_token")), basic(c.ID, sec))).wantError(t, 429, "slow_down")
	// Another client is not affected.
	f.ok(t, basicGrant(other.ID, otherSec))

	f.clock.Advance(44*time.Second + 999*time.Millisecond) // 19:30:59.999
	if got := f.call(t, right()).Headers["Retry-After"]; got != "1" {
		t.Errorf("Retry-After = %q a millisecond before the window ends, want 1", got)
	}
	f.clock.Advance(time.Millisecond) // 19:31:00: a new window
	f.ok(t, right())

	// An unknown client id is throttled the same way.
	ghost := id.New("cli")
	for range oauth.MaxFailures {
		f.call(t, basicGrant(ghost, sec)).wantError(t, 401, "invalid_client")
	}
	f.call(t, basicGrant(ghost, sec)).wantError(t, 429, "slow_down")
}

// TestThrottlingWindowIsFixed: failures straddling a window boundary do
// not add up.
func TestThrottlingWindowIsFixed(t *testing.T) {
	f := newFixture(t)
	c, sec := f.client(t, "alice", nil)
	f.clock.Advance(50 * time.Second)
	for range oauth.MaxFailures - 1 {
		f.call(t, basicGrant(c.ID, "tgc_x")).wantError(t, 401, "invalid_client")
	}
	f.clock.Advance(10 * time.Second)
	for range oauth.MaxFailures - 1 {
		f.call(t, basicGrant(c.ID, "tgc_x")).wantError(t, 401, "invalid_client")
	}
	f.ok(t, basicGrant(c.ID, sec))
}
