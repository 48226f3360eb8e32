package oauth_test

import (
	"context"
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/user"
)

// clientSetup is what a client-credentials case's before step and request see.
type clientSetup struct {
	t          *testing.T
	f          *fixture
	id, sec    string // alice's client, scopes echo:read files:read
	bobID      string // bob's client, inheriting
	bobSec     string
	otherSec   string // alice's second client
	revokedID  string
	revokedSec string
}

// clientCase is one client_credentials grant and what it must answer.
type clientCase struct {
	name      string
	before    func(t *testing.T, s clientSetup)
	req       func(s clientSetup) events.APIGatewayProxyRequest
	status    int
	code      string
	scope     string
	inherited bool // the token is bob's client's
}

// aliceGrant is a case request: alice's client by client_secret_basic,
// with more form pairs kv.
func aliceGrant(kv ...string) func(clientSetup) events.APIGatewayProxyRequest {
	return func(s clientSetup) events.APIGatewayProxyRequest { return basicGrant(s.id, s.sec, kv...) }
}

// bobGrant is aliceGrant for bob's inheriting client.
func bobGrant(kv ...string) func(clientSetup) events.APIGatewayProxyRequest {
	return func(s clientSetup) events.APIGatewayProxyRequest { return basicGrant(s.bobID, s.bobSec, kv...) }
}

// headerGrant is a case request: a client_credentials grant whose only
// client authentication is the header line h gives.
func headerGrant(h func(s clientSetup) string) func(clientSetup) events.APIGatewayProxyRequest {
	return func(s clientSetup) events.APIGatewayProxyRequest {
		return tokenReq(form("grant_type", "client_credentials"), h(s))
	}
}

// postGrant is a case request: a client_credentials grant with more form
// pairs kv, the ones client_secret_post uses.
func postGrant(kv func(s clientSetup) []string) func(clientSetup) events.APIGatewayProxyRequest {
	return func(s clientSetup) events.APIGatewayProxyRequest {
		return tokenReq(form(append([]string{"grant_type", "client_credentials"}, kv(s)...)...))
	}
}

func TestClientCredentials(t *testing.T) {
	for _, tt := range slices.Concat(clientGranted(), clientRequestRefused(), clientAuthMalformed(), clientAuthRefused()) {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
}

// clientGranted: grants answered 200, with the scope granted.
func clientGranted() []clientCase {
	return []clientCase{
		{name: "client_secret_post", req: postGrant(func(s clientSetup) []string { return []string{"client_id", s.id, "client_secret", s.sec} }),
			status: 200, scope: "echo:read files:read"},
		{name: "client_secret_basic", req: aliceGrant(), status: 200, scope: "echo:read files:read"},
		{name: "basic scheme in lower case", req: headerGrant(func(s clientSetup) string {
			return "Authorization: basic " + base64.StdEncoding.EncodeToString([]byte(s.id+":"+s.sec))
		}), status: 200, scope: "echo:read files:read"},
		{name: "basic with a percent-encoded id", req: headerGrant(func(s clientSetup) string {
			return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("%63"+s.id[1:]+":"+s.sec))
		}), status: 200, scope: "echo:read files:read"},
		{name: "scope narrowed", req: aliceGrant("scope", "files:read"), status: 200, scope: "files:read"},
		{name: "scope equal", req: aliceGrant("scope", "files:read echo:read"), status: 200, scope: "echo:read files:read"},
		{name: "inheriting client", req: bobGrant(), status: 200, scope: "echo:read", inherited: true},
		{name: "owner demoted", before: func(t *testing.T, s clientSetup) {
			s.f.setUser(t, "alice", func(u *user.User) { u.Scopes = scope.Set{"files:read"} })
		}, req: aliceGrant(), status: 200, scope: "files:read"},
		{name: "inheriting client follows a promoted owner", before: func(t *testing.T, s clientSetup) {
			s.f.setUser(t, "bob", func(u *user.User) { u.Scopes = scope.Set{"echo:read", "echo:write"} })
		}, req: bobGrant(), status: 200, scope: "echo:read echo:write", inherited: true},
	}
}

// clientRequestRefused: requests answered 400, for their scope or for
// authenticating the client twice.
func clientRequestRefused() []clientCase {
	return []clientCase{
		{name: "scope widened", req: aliceGrant("scope", "echo:read echo:write"), status: 400, code: "invalid_scope"},
		{name: "scope beyond an inheriting client's owner", req: bobGrant("scope", "echo:write"), status: 400, code: "invalid_scope"},
		{name: "scope malformed", req: aliceGrant("scope", "echo:read Files"), status: 400, code: "invalid_scope"},
		{name: "both methods", req: func(s clientSetup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "client_id", s.id, "client_secret", s.sec)
		}, status: 400, code: "invalid_request"},
		{name: "basic and client_id in the body", req: func(s clientSetup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "client_id", s.id)
		}, status: 400, code: "invalid_request"},
		{name: "basic and client_secret in the body", req: func(s clientSetup) events.APIGatewayProxyRequest {
			return basicGrant(s.id, s.sec, "client_secret", s.sec)
		}, status: 400, code: "invalid_request"},
	}
}

// clientAuthMalformed: requests answered 401 for client authentication
// that is missing or cannot be read.
func clientAuthMalformed() []clientCase {
	return []clientCase{
		{name: "no client authentication", req: func(s clientSetup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"))
		}, status: 401, code: "invalid_client"},
		{name: "another scheme only", req: headerGrant(func(s clientSetup) string { return "Authorization: Bearer " + s.sec }),
			status: 401, code: "invalid_client"},
		{name: "basic not base64", req: headerGrant(func(clientSetup) string { return "Authorization: Basic %%%" }),
			status: 401, code: "invalid_client"},
		{name: "basic without a colon", req: headerGrant(func(s clientSetup) string {
			return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(s.id))
		}), status: 401, code: "invalid_client"},
		{name: "basic empty", req: headerGrant(func(clientSetup) string { return "Authorization: Basic" }),
			status: 401, code: "invalid_client"},
		{name: "secret missing", req: postGrant(func(s clientSetup) []string { return []string{"client_id", s.id} }),
			status: 401, code: "invalid_client"},
		{name: "client_id missing", req: postGrant(func(s clientSetup) []string { return []string{"client_secret", s.sec} }),
			status: 401, code: "invalid_client"},
	}
}

// clientAuthRefused: requests answered 401 for credentials that name no
// usable client or do not match it.
func clientAuthRefused() []clientCase {
	return []clientCase{
		{name: "wrong secret, post", req: postGrant(func(s clientSetup) []string { return []string{"client_id", s.id, "client_secret", s.otherSec} }),
			status: 401, code: "invalid_client"},
		{name: "wrong secret, basic", req: func(s clientSetup) events.APIGatewayProxyRequest { return basicGrant(s.id, s.otherSec) },
			status: 401, code: "invalid_client"},
		{name: "secret with a bad checksum", req: func(s clientSetup) events.APIGatewayProxyRequest { return basicGrant(s.id, flipLast(s.sec)) },
			status: 401, code: "invalid_client"},
		{name: "unknown client, post", req: postGrant(func(s clientSetup) []string { return []string{"client_id", id.New("cli"), "client_secret", s.sec} }),
			status: 401, code: "invalid_client"},
		{name: "unknown client, basic", req: func(s clientSetup) events.APIGatewayProxyRequest { return basicGrant(id.New("cli"), s.sec) },
			status: 401, code: "invalid_client"},
		{name: "user id as client id", req: func(s clientSetup) events.APIGatewayProxyRequest { return basicGrant(s.f.users["alice"].ID, s.sec) },
			status: 401, code: "invalid_client"},
		{name: "refresh family id as client id", req: func(s clientSetup) events.APIGatewayProxyRequest {
			fam, _ := s.f.family(s.t, "alice", nil, time.Hour, time.Hour)
			return basicGrant(fam.ID, s.sec)
		}, status: 401, code: "invalid_client"},
		{name: "revoked client", req: func(s clientSetup) events.APIGatewayProxyRequest { return basicGrant(s.revokedID, s.revokedSec) },
			status: 401, code: "invalid_client"},
		{name: "owner disabled", before: func(t *testing.T, s clientSetup) {
			s.f.setUser(t, "alice", func(u *user.User) { u.Disabled = true })
		}, req: aliceGrant(), status: 401, code: "invalid_client"},
		{name: "owner deleted", before: func(t *testing.T, s clientSetup) { s.f.deleteUser(t, "alice") },
			req:    postGrant(func(s clientSetup) []string { return []string{"client_id", s.id, "client_secret", s.sec} }),
			status: 401, code: "invalid_client"},
	}
}

// newClientSetup is a fixture with alice's two clients, bob's inheriting
// client and a revoked client of alice's.
func newClientSetup(t *testing.T) clientSetup {
	t.Helper()
	f := newFixture(t)
	c, sec := f.client(t, "alice", scope.Set{"echo:read", "files:read"})
	b, bsec := f.client(t, "bob", nil)
	_, osec := f.client(t, "alice", scope.Set{"echo:read"})
	r, rsec := f.client(t, "alice", nil)
	if err := f.store.RevokeSession(context.Background(), project, r.ID, t0); err != nil {
		t.Fatal(err)
	}
	return clientSetup{t: t, f: f, id: c.ID, sec: sec, bobID: b.ID, bobSec: bsec, otherSec: osec, revokedID: r.ID, revokedSec: rsec}
}

// run sends the case's request to a fixture of its own; every 401 has the
// same body, and a 200's token is the client's, with the scope granted.
func (tt clientCase) run(t *testing.T) {
	s := newClientSetup(t)
	if tt.before != nil {
		tt.before(t, s)
	}
	a := s.f.call(t, tt.req(s))
	if tt.status != 200 {
		a.wantError(t, tt.status, tt.code)
		if tt.status == 401 && a.Body != `{"error":"invalid_client","error_description":"Bad credentials"}` {
			t.Errorf("401 body %s", a.Body)
		}
		return
	}
	a.wantOK(t)
	want := s.id
	if tt.inherited {
		want = s.bobID
	}
	if a.str(t, "scope") != tt.scope || a.num(t, "expires_in") != 3600 {
		t.Errorf("scope %q expires_in %d", a.str(t, "scope"), a.num(t, "expires_in"))
	}
	if cl := a.claims; cl.Subject != want || cl.ClientID != want || cl.SessionID != want ||
		cl.ExpiresAt != t0.Add(credential.AccessTokenTTL).Unix() || cl.Confirmation != nil {
		t.Errorf("claims %+v, want sub, client_id and sid %s", cl, want)
	}
}
