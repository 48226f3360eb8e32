package oauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
)

const tokenURL = issuer + "/oauth/token"

func newProver(t *testing.T) *dpop.Prover {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	p, err := dpop.NewProver(k)
	must(t, err)
	return p
}

// proof is a fresh proof of p for the token endpoint, remembered as a
// secret that must not be logged.
func (f *fixture) proof(t *testing.T, p *dpop.Prover, method, url string, at time.Time) string {
	t.Helper()
	s, err := p.Proof(method, url, "", at)
	must(t, err)
	f.remember(s)
	return s
}

// withProofs adds DPoP headers to req, as API Gateway passes them.
func withProofs(req events.APIGatewayProxyRequest, proofs ...string) events.APIGatewayProxyRequest {
	req.Headers["DPoP"] = proofs[len(proofs)-1]
	req.MultiValueHeaders = map[string][]string{"DPoP": proofs}
	return req
}

func TestDPoPClientCredentials(t *testing.T) {
	f := newFixture(t)
	c, sec := f.client(t, "alice", scope.Set{"echo:read"})
	p := newProver(t)
	a := f.ok(t, withProofs(basicGrant(c.ID, sec), f.proof(t, p, "POST", tokenURL, t0)))
	if a.str(t, "token_type") != "DPoP" || a.claims.Confirmation == nil || a.claims.Confirmation.JKT != p.JKT() || a.claims.Confirmation.X5tS256 != "" {
		t.Fatalf("token_type %s, cnf %+v", a.fields["token_type"], a.claims.Confirmation)
	}
	// Without a proof: a Bearer token, as before.
	if a := f.ok(t, basicGrant(c.ID, sec)); a.claims.Confirmation != nil {
		t.Fatalf("unbound grant: cnf %+v", a.claims.Confirmation)
	}
	// The URL the request arrived on is accepted as htu too.
	req := basicGrant(c.ID, sec)
	req.Headers["Host"], req.Headers["X-Forwarded-Proto"], req.RequestContext.Path = "abc.execute-api.us-east-1.amazonaws.com", "https", "/prod/oauth/token"
	if a := f.ok(t, withProofs(req, f.proof(t, p, "POST", "https://abc.execute-api.us-east-1.amazonaws.com/prod/oauth/token", t0))); a.claims.Confirmation.JKT != p.JKT() {
		t.Fatalf("arrival URL: cnf %+v", a.claims.Confirmation)
	}
}

// TestDPoPProofRefused: each bad proof at the token endpoint is 400
// invalid_dpop_proof and writes nothing (no sign-in session, no jti).
func TestDPoPProofRefused(t *testing.T) {
	f := newFixture(t)
	c, sec := f.client(t, "alice", scope.Set{"echo:read"})
	p := newProver(t)
	replayed := f.proof(t, p, "POST", tokenURL, t0)
	f.ok(t, withProofs(basicGrant(c.ID, sec), replayed))
	cases := []struct {
		name   string
		proofs []string
		writes int64
	}{
		{"wrong htm", []string{f.proof(t, p, "GET", tokenURL, t0)}, 0},
		{"wrong htu", []string{f.proof(t, p, "POST", issuer+"/oauth/revoke", t0)}, 0},
		{"stale iat", []string{f.proof(t, p, "POST", tokenURL, t0.Add(-2*time.Minute))}, 0},
		{"future iat", []string{f.proof(t, p, "POST", tokenURL, t0.Add(time.Minute))}, 0},
		{"not a JWT", []string{"garbage"}, 0},
		{"two DPoP headers", []string{f.proof(t, p, "POST", tokenURL, t0), f.proof(t, p, "POST", tokenURL, t0)}, 0},
		{"replayed", []string{replayed}, 1}, // the jti's record, refused
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := f.call(t, withProofs(basicGrant(c.ID, sec), tc.proofs...))
			a.wantError(t, 400, "invalid_dpop_proof")
			if a.writes > tc.writes {
				t.Fatalf("%d writes", a.writes)
			}
		})
	}
	t.Run("bad client secret: no proof spent", func(t *testing.T) {
		proof := f.proof(t, p, "POST", tokenURL, t0)
		f.call(t, withProofs(basicGrant(c.ID, flipLast(sec)), proof)).wantError(t, 401, "invalid_client")
		f.ok(t, withProofs(basicGrant(c.ID, sec), proof))
	})
	t.Run("with private_key_jwt", func(t *testing.T) {
		h := f.bindCertificate(t, "alice")
		f.call(t, withProofs(assertionGrant(f.assertion(t, h), nil), f.proof(t, p, "POST", tokenURL, t0))).wantError(t, 400, "invalid_request")
	})
}

// TestDPoPRefreshBinding: the first exchange with a proof binds the family
// to its key; after that every exchange must prove that key (else 400
// invalid_grant, the token left unspent), and each access token is bound.
func TestDPoPRefreshBinding(t *testing.T) {
	f := newFixture(t)
	fam, rt := f.family(t, "alice", nil, refresh.DefaultLifetime, refresh.DefaultAccessTokenTTL)
	p, other := newProver(t), newProver(t)
	a := f.ok(t, withProofs(exchange(rt), f.proof(t, p, "POST", tokenURL, t0)))
	if a.str(t, "token_type") != "DPoP" || a.claims.Confirmation.JKT != p.JKT() {
		t.Fatalf("binding exchange: %s %+v", a.fields["token_type"], a.claims.Confirmation)
	}
	if got, _ := f.store.GetFamily(t.Context(), project, fam.ID); got.DPoPKey != p.JKT() {
		t.Fatalf("family bound to %q", got.DPoPKey)
	}
	rt = a.str(t, "refresh_token")
	f.clock.Advance(time.Minute) // past the grace period
	for name, req := range map[string]events.APIGatewayProxyRequest{
		"without a proof":          exchange(rt),
		"with another key's proof": withProofs(exchange(rt), f.proof(t, other, "POST", tokenURL, f.clock.Now())),
	} {
		t.Run(name, func(t *testing.T) {
			a := f.call(t, req)
			a.wantError(t, 400, "invalid_grant")
			if a.writes != 0 {
				t.Fatalf("%d writes", a.writes)
			}
		})
	}
	a = f.ok(t, withProofs(exchange(rt), f.proof(t, p, "POST", tokenURL, f.clock.Now())))
	if a.claims.Confirmation.JKT != p.JKT() || a.str(t, "refresh_token") == rt {
		t.Fatalf("bound exchange: %+v", a.claims.Confirmation)
	}
	if !strings.Contains(f.logs.String(), "DPoP-bound refresh token without a proof of its key") {
		t.Error("the refusal was not logged")
	}
}

// TestDPoPTokenExchange: a token exchange with a proof issues a token
// bound to its key; a bad proof is refused before the subject is read.
func TestDPoPTokenExchange(t *testing.T) {
	f := newFixture(t)
	_, key := f.apiKey(t, "alice", scope.Set{"echo:read"}, 24*time.Hour)
	p := newProver(t)
	a := f.ok(t, withProofs(exchangeReq(key), f.proof(t, p, "POST", tokenURL, t0)))
	if a.str(t, "token_type") != "DPoP" || a.claims.Confirmation == nil || a.claims.Confirmation.JKT != p.JKT() {
		t.Fatalf("token_type %s, cnf %+v", a.fields["token_type"], a.claims.Confirmation)
	}
	bad := f.call(t, withProofs(exchangeReq(key), f.proof(t, p, "POST", tokenURL, t0.Add(-time.Hour))))
	bad.wantError(t, 400, "invalid_dpop_proof")
	if bad.reads != 0 || bad.writes != 0 {
		t.Fatalf("a bad proof read %d and wrote %d", bad.reads, bad.writes)
	}
}
