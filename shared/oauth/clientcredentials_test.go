package oauth_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/user"
)

func TestClientCredentials(t *testing.T) {
	type setup struct {
		t          *testing.T
		f          *fixture
		id, sec    string // alice's client, scopes echo:read files:read
		bobID      string // bob's client, inheriting
		bobSec     string
		otherSec   string // alice's second client
		revokedID  string
		revokedSec string
	}
	tests := []struct {
		name      string
		before    func(t *testing.T, s setup)
		req       func(s setup) events.APIGatewayProxyRequest
		status    int
		code      string
		scope     string
		inherited bool // the token is bob's client's
	}{
		{name: "client_secret_post", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", s.id, "client_secret", s.sec))
		}, status: 200, scope: "echo:read files:read"},
		{name: "client_secret_basic", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec)
		}, status: 200, scope: "echo:read files:read"},
		{name: "basic scheme in lower case", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: basic "+base64.StdEncoding.EncodeToString([]byte(s.id+":"+s.sec)))
		}, status: 200, scope: "echo:read files:read"},
		{name: "basic with a percent-encoded id", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte("%63"+s.id[1:]+":"+s.sec)))
		}, status: 200, scope: "echo:read files:read"},
		{name: "scope narrowed", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "scope", "files:read")
		}, status: 200, scope: "files:read"},
		{name: "scope equal", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "scope", "files:read echo:read")
		}, status: 200, scope: "echo:read files:read"},
		{name: "inheriting client", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.bobID, s.bobSec)
		}, status: 200, scope: "echo:read", inherited: true},
		{name: "owner demoted", before: func(t *testing.T, s setup) {
			s.f.setUser(t, "alice", func(u *user.User) { u.Scopes = scope.Set{"files:read"} })
		}, req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec)
		}, status: 200, scope: "files:read"},
		{name: "inheriting client follows a promoted owner", before: func(t *testing.T, s setup) {
			s.f.setUser(t, "bob", func(u *user.User) { u.Scopes = scope.Set{"echo:read", "echo:write"} })
		}, req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.bobID, s.bobSec)
		}, status: 200, scope: "echo:read echo:write", inherited: true},

		{name: "scope widened", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "scope", "echo:read echo:write")
		}, status: 400, code: "invalid_scope"},
		{name: "scope beyond an inheriting client's owner", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.bobID, s.bobSec, "scope", "echo:write")
		}, status: 400, code: "invalid_scope"},
		{name: "scope malformed", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "scope", "echo:read Files")
		}, status: 400, code: "invalid_scope"},
		{name: "both methods", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "client_id", s.id, "client_secret", s.sec)
		}, status: 400, code: "invalid_request"},
		{name: "basic and client_id in the body", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "client_id", s.id)
		}, status: 400, code: "invalid_request"},
		{name: "basic and client_secret in the body", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "client_secret", s.sec)
		}, status: 400, code: "invalid_request"},
		{name: "no client authentication", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"))
		}, status: 401, code: "invalid_client"},
		{name: "another scheme only", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Bearer "+s.sec)
		}, status: 401, code: "invalid_client"},
		{name: "basic not base64", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Basic %%%")
		}, status: 401, code: "invalid_client"},
		{name: "basic without a colon", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(s.id)))
		}, status: 401, code: "invalid_client"},
		{name: "basic empty", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Basic")
		}, status: 401, code: "invalid_client"},
		{name: "wrong secret, post", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", s.id, "client_secret", s.otherSec))
		}, status: 401, code: "invalid_client"},
		{name: "wrong secret, basic", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.otherSec)
		}, status: 401, code: "invalid_client"},
		{name: "secret with a bad checksum", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, flipLast(s.sec))
		}, status: 401, code: "invalid_client"},
		{name: "secret missing", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", s.id))
		}, status: 401, code: "invalid_client"},
		{name: "client_id missing", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_secret", s.sec))
		}, status: 401, code: "invalid_client"},
		{name: "unknown client, post", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", id.New("cli"), "client_secret", s.sec))
		}, status: 401, code: "invalid_client"},
		{name: "unknown client, basic", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(id.New("cli"), s.sec)
		}, status: 401, code: "invalid_client"},
		{name: "user id as client id", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.f.users["alice"].ID, s.sec)
		}, status: 401, code: "invalid_client"},
		{name: "refresh family id as client id", req: func(s setup) events.APIGatewayProxyRequest {
			fam, _ := s.f.family(s.t, "alice", nil, time.Hour, time.Hour)
			return basicGrant(fam.ID, s.sec)
		}, status: 401, code: "invalid_client"},
		{name: "revoked client", req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.revokedID, s.revokedSec)
		}, status: 401, code: "invalid_client"},
		{name: "owner disabled", before: func(t *testing.T, s setup) {
			s.f.setUser(t, "alice", func(u *user.User) { u.Disabled = true })
		}, req: func(s setup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec)
		}, status: 401, code: "invalid_client"},
		{name: "owner deleted", before: func(t *testing.T, s setup) { s.f.deleteUser(t, "alice") },
			req: func(s setup) events.APIGatewayProxyRequest {
				return tokenReq(form("grant_type", "client_credentials", "client_id", s.id, "client_secret", s.sec))
			}, status: 401, code: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c, sec := f.client(t, "alice", scope.Set{"echo:read", "files:read"})
			b, bsec := f.client(t, "bob", nil)
			_, osec := f.client(t, "alice", scope.Set{"echo:read"})
			r, rsec := f.client(t, "alice", nil)
			if err := f.store.RevokeSession(context.Background(), project, r.ID, t0); err != nil {
				t.Fatal(err)
			}
			s := setup{t: t, f: f, id: c.ID, sec: sec, bobID: b.ID, bobSec: bsec, otherSec: osec, revokedID: r.ID, revokedSec: rsec}
			if tt.before != nil {
				tt.before(t, s)
			}
			a := f.call(t, tt.req(s))
			if tt.status != 200 {
				a.wantError(t, tt.status, tt.code)
				if tt.status == 401 && a.Body != `{"error":"invalid_client","error_description":"Bad credentials"}` {
					t.Errorf("401 body %s", a.Body)
				}
				return
			}
			a.wantOK(t)
			want := c.ID
			if tt.inherited {
				want = b.ID
			}
			if a.str(t, "scope") != tt.scope || a.num(t, "expires_in") != 3600 {
				t.Errorf("scope %q expires_in %d", a.str(t, "scope"), a.num(t, "expires_in"))
			}
			if cl := a.claims; cl.Subject != want || cl.ClientID != want || cl.SessionID != want ||
				cl.ExpiresAt != t0.Add(credential.AccessTokenTTL).Unix() || cl.Confirmation != nil {
				t.Errorf("claims %+v, want sub, client_id and sid %s", cl, want)
			}
		})
	}
}
