package oauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
)

func TestRevokeNothingToRevoke(t *testing.T) {
	f := newFixture(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	foreign, err := accesstoken.Issue(context.Background(), accesstoken.NewLocalSigner(other), accesstoken.Claims{
		Issuer: issuer, Subject: f.users["alice"].ID, Audience: audience, ExpiresAt: t0.Add(time.Hour).Unix(),
		IssuedAt: t0.Unix(), ID: "at_x", SessionID: id.New("jwt")})
	if err != nil {
		t.Fatal(err)
	}
	sess, expired := f.personalJWT(t, "alice", time.Minute)
	unknownRT, _ := secret.Generate("", secret.PrefixRefreshToken)
	apiKey, _ := secret.Generate("", secret.PrefixAPIKey)
	f.remember(unknownRT, apiKey)
	f.clock.Advance(time.Minute)

	for name, tok := range map[string]string{
		"nonsense":                      "nonsense",
		"unknown refresh token":         unknownRT,
		"refresh token, wrong checksum": flipLast(unknownRT),
		"refresh-token prefix only":     "tgr_" + strings.Repeat("0", 49),
		"API key":                       apiKey,
		"JWT of another key":            foreign,
		"expired JWT":                   expired,
		"JWT with a byte added":         expired + "x",
		"three dots":                    "a.b.c",
	} {
		t.Run(name, func(t *testing.T) {
			for _, hint := range []string{"", "access_token", "refresh_token", "nonsense"} {
				body := form("token", tok)
				if hint != "" {
					body = form("token", tok, "token_type_hint", hint)
				}
				f.ok(t, revokeReq(body))
			}
		})
	}
	if f.session(t, sess.ID).Status != credential.Active {
		t.Error("an expired JWT's revocation changed its session")
	}
	t.Run("token missing", func(t *testing.T) {
		f.call(t, revokeReq(form("token_type_hint", "access_token"))).wantError(t, 400, "invalid_request")
	})
	t.Run("JSON body", func(t *testing.T) {
		a := f.call(t, revokeReq(`{"token":"x"}`, "Content-Type: application/json"))
		a.wantError(t, 400, "invalid_request")
		if !strings.Contains(a.str(t, "error_description"), "form-urlencoded") {
			t.Errorf("error_description %q", a.str(t, "error_description"))
		}
	})
	t.Run("token repeated", func(t *testing.T) {
		f.call(t, revokeReq("token=a&token=b")).wantError(t, 400, "invalid_request")
	})
}

func TestRevokeRefreshToken(t *testing.T) {
	tests := []struct {
		name    string
		present func(f *fixture, rt0, rt1 string) string
		hint    string
	}{
		{"the current token", func(_ *fixture, _, rt1 string) string { return rt1 }, "refresh_token"},
		{"without a hint", func(_ *fixture, _, rt1 string) string { return rt1 }, ""},
		{"with the wrong hint", func(_ *fixture, _, rt1 string) string { return rt1 }, "access_token"},
		{"a spent token", func(_ *fixture, rt0, _ string) string { return rt0 }, "refresh_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			fam, rt0 := f.family(t, "alice", nil, 90*24*time.Hour, time.Hour)
			ex := f.ok(t, exchange(rt0))
			rt1 := ex.str(t, "refresh_token")
			body := form("token", tt.present(f, rt0, rt1))
			if tt.hint != "" {
				body = form("token", tt.present(f, rt0, rt1), "token_type_hint", tt.hint)
			}
			f.ok(t, revokeReq(body))
			if st := f.session(t, fam.ID); st.Status != credential.Revoked {
				t.Fatalf("family %s after revocation", st.Status)
			}
			if f.session(t, fam.ID).Accepts(time.Unix(ex.claims.IssuedAt, 0), f.clock.Now()) {
				t.Error("the family's access token is still accepted")
			}
			f.call(t, exchange(rt1)).wantError(t, 400, "invalid_grant")
			f.call(t, exchange(rt0)).wantError(t, 400, "invalid_grant") // within grace too
			f.call(t, revokeReq(body)).wantOK(t)                        // again: still 200
		})
	}
}

func TestRevokePersonalJWT(t *testing.T) {
	f := newFixture(t)
	sess, tok := f.personalJWT(t, "alice", time.Hour)
	other, _ := f.personalJWT(t, "alice", time.Hour)
	f.ok(t, revokeReq(form("token", tok, "token_type_hint", "access_token")))
	if got := f.session(t, sess.ID); got.Status != credential.Revoked || got.Accepts(t0, f.clock.Now()) {
		t.Errorf("session after revocation %+v", got)
	}
	if f.session(t, other.ID).Status != credential.Active {
		t.Error("another JWT of the same owner was revoked")
	}
	f.call(t, revokeReq(form("token", tok))).wantOK(t) // already revoked: 200
}

func TestRevokeAccessTokenOfRefreshFamily(t *testing.T) {
	f := newFixture(t)
	fam, rt := f.family(t, "alice", nil, 90*24*time.Hour, time.Hour)
	ex := f.ok(t, exchange(rt))
	f.ok(t, revokeReq(form("token", ex.str(t, "access_token"))))
	if f.session(t, fam.ID).Status != credential.Revoked {
		t.Error("revoking an access token left its refresh family active")
	}
	f.call(t, exchange(ex.str(t, "refresh_token"))).wantError(t, 400, "invalid_grant")
}

// TestRevokeClientAccessToken: revoking a client's token moves the
// client's NotBefore past it; the client itself stays and its next token,
// from the next second on, is accepted.
func TestRevokeClientAccessToken(t *testing.T) {
	for _, auth := range []string{"none", "the client itself, basic", "the client itself, post"} {
		t.Run(auth, func(t *testing.T) {
			f := newFixture(t)
			c, sec := f.client(t, "alice", scope.Set{"echo:read"})
			f.clock.Advance(1500 * time.Millisecond)
			tok := f.ok(t, basicGrant(c.ID, sec))
			iat := time.Unix(tok.claims.IssuedAt, 0)
			if !f.session(t, c.ID).Accepts(iat, f.clock.Now()) {
				t.Fatal("a fresh client token is not accepted")
			}
			f.clock.Advance(100 * time.Millisecond)
			var req events.APIGatewayProxyRequest
			switch auth {
			case "none":
				req = revokeReq(form("token", tok.str(t, "access_token")))
			case "the client itself, basic":
				req = revokeReq(form("token", tok.str(t, "access_token")), basic(c.ID, sec))
			default:
				req = revokeReq(form("token", tok.str(t, "access_token"), "client_id", c.ID, "client_secret", sec))
			}
			f.ok(t, req)
			sess := f.session(t, c.ID)
			wantNB := t0.Add(2 * time.Second) // the second after 19:30:01.6
			if sess.Status != credential.Active || !sess.NotBefore.Equal(wantNB) {
				t.Fatalf("client after revocation: status %s NotBefore %v, want active and %v", sess.Status, sess.NotBefore, wantNB)
			}
			if sess.Accepts(iat, f.clock.Now()) {
				t.Error("the revoked token is still accepted")
			}
			// Within the same second a new token is issued but refused.
			same := f.ok(t, basicGrant(c.ID, sec))
			if sess.Accepts(time.Unix(same.claims.IssuedAt, 0), f.clock.Now()) {
				t.Error("a token issued in the revocation's second is accepted")
			}
			f.clock.Advance(time.Second)
			next := f.ok(t, basicGrant(c.ID, sec))
			if !f.session(t, c.ID).Accepts(time.Unix(next.claims.IssuedAt, 0), f.clock.Now()) {
				t.Error("the client's next token, a second later, is refused")
			}
		})
	}
}

// TestRevokePasswordSignInToken: a token from password sign-in names its
// own session, and revoking the token revokes that session.
func TestRevokePasswordSignInToken(t *testing.T) {
	f := newFixture(t, passwordSignIn)
	tok := f.ok(t, tokenReq(form("grant_type", "client_credentials", "client_id", "carol", "client_secret", carolPW)))
	a := f.call(t, revokeReq(form("token", tok.str(t, "access_token"), "token_type_hint", "access_token")))
	if a.StatusCode != 200 {
		t.Fatalf("revoke: %d", a.StatusCode)
	}
	sess, err := f.store.GetSession(context.Background(), project, tok.claims.SessionID)
	if err != nil || sess.Status != credential.Revoked {
		t.Fatalf("session after revoke: %+v, %v", sess, err)
	}
}

// TestRevokeWithAnotherClient: another client's authentication never
// revokes anything.
func TestRevokeWithAnotherClient(t *testing.T) {
	f := newFixture(t)
	c, sec := f.client(t, "alice", nil)
	intruder, intruderSec := f.client(t, "bob", nil)
	tok := f.ok(t, basicGrant(c.ID, sec))
	fam, rt := f.family(t, "alice", nil, 90*24*time.Hour, time.Hour)
	jwtSess, jwt := f.personalJWT(t, "alice", time.Hour)

	for name, victim := range map[string]string{
		"client access token": tok.str(t, "access_token"),
		"refresh token":       rt,
		"personal JWT":        jwt,
	} {
		t.Run(name, func(t *testing.T) {
			for _, req := range []events.APIGatewayProxyRequest{
				revokeReq(form("token", victim), basic(intruder.ID, intruderSec)),
				revokeReq(form("token", victim, "client_id", intruder.ID, "client_secret", intruderSec)),
			} {
				a := f.call(t, req)
				if a.StatusCode == 200 {
					t.Fatalf("revocation with another client's authentication answered 200")
				}
				a.wantError(t, 400, "unauthorized_client")
			}
		})
	}
	t.Run("bad client authentication", func(t *testing.T) {
		f.call(t, revokeReq(form("token", jwt), basic(c.ID, intruderSec))).wantError(t, 401, "invalid_client")
		f.call(t, revokeReq(form("token", jwt, "client_id", c.ID, "client_secret", "tgc_x"))).wantError(t, 401, "invalid_client")
		f.call(t, revokeReq(form("token", rt), "Authorization: Basic !!")).wantError(t, 401, "invalid_client")
		f.call(t, revokeReq(form("token", rt, "client_id", c.ID, "client_secret", sec), basic(c.ID, sec))).wantError(t, 400, "invalid_request")
	})
	if s := f.session(t, c.ID); s.Status != credential.Active || !s.NotBefore.IsZero() || !s.Accepts(time.Unix(tok.claims.IssuedAt, 0), f.clock.Now()) {
		t.Errorf("client after refused revocations: %+v", s)
	}
	if f.session(t, fam.ID).Status != credential.Active || f.session(t, jwtSess.ID).Status != credential.Active {
		t.Error("a refused revocation revoked a session")
	}
	f.ok(t, exchange(rt))
}
