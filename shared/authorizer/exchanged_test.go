package authorizer_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
)

// exchanged is an access token a token exchange issued for sid (the
// fixture's API key or personal JWT) with scope.
func (f *jwtFixture) exchanged(t testing.TB, sid, scope string) string {
	c := f.claims()
	c.ID, c.SessionID, c.Scope, c.ExpiresAt = "at_exchanged", sid, scope, t0.Add(time.Hour).Unix()
	return f.issue(t, c)
}

func TestExchangedTokens(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sid    func(f *jwtFixture) string
		revoke func(t *testing.T, f *jwtFixture)
	}{
		{"from an API key", func(f *jwtFixture) string { return f.fixture.key.ID },
			func(t *testing.T, f *jwtFixture) { f.setKey(t, func(k *apikey.Key) { k.Status = apikey.Inactive }) }},
		{"from a deleted API key", func(f *jwtFixture) string { return f.fixture.key.ID },
			func(t *testing.T, f *jwtFixture) { f.deleteKey(t) }},
		{"from a personal JWT", func(f *jwtFixture) string { return f.session.ID },
			func(t *testing.T, f *jwtFixture) {
				if err := f.store.RevokeSession(t.Context(), project, f.session.ID, f.clock.Now()); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newJWTFixture(t)
			sid := tc.sid(f)
			tok := f.exchanged(t, sid, "echo:read")
			resp, err := f.auth.Handle(t.Context(), whoami(map[string]string{"Authorization": "Bearer " + tok}))
			if err != nil {
				t.Fatal(err)
			}
			if ctx := resp.Context; ctx["credentialType"] != string(credential.TypeAccessToken) || ctx["credentialId"] != sid ||
				ctx["scopes"] != "echo:read" || ctx["principalId"] != f.owner.ID {
				t.Fatalf("context = %v", ctx)
			}
			// Bounded by its scope claim: credentials:read is the owner's, not the token's.
			resp, err = f.auth.Handle(t.Context(), request("GET", "/v1/keys", map[string]string{"Authorization": "Bearer " + tok}))
			if err != nil || effect(resp, arnBase+"/GET/v1/keys") != "Deny" {
				t.Fatalf("GET /v1/keys: %v %v", effect(resp, arnBase+"/GET/v1/keys"), err)
			}

			tc.revoke(t, f)
			f.clock.Advance(31 * time.Second) // the revocation bound
			if _, err := f.auth.Handle(t.Context(), whoami(map[string]string{"Authorization": "Bearer " + tok})); !errors.Is(err, authorizer.ErrUnauthorized) {
				t.Fatalf("after the subject was revoked: %v", err)
			}
		})
	}
}

// An exchanged token ends with its key (a token exchange never issues one
// that outlives it, but a rotation may end the key sooner).
func TestExchangedTokenEndsWithItsKey(t *testing.T) {
	f := newJWTFixture(t)
	c := f.claims()
	c.ID, c.SessionID, c.Scope, c.ExpiresAt = "at_exchanged", f.fixture.key.ID, "echo:read", t0.Add(48*time.Hour).Unix()
	tok := f.issue(t, c)
	f.clock.Advance(25 * time.Hour) // the key expires after 24
	if _, err := f.auth.Handle(t.Context(), whoami(map[string]string{"Authorization": "Bearer " + tok})); !errors.Is(err, authorizer.ErrUnauthorized) {
		t.Fatalf("after its key expired: %v", err)
	}
}

// An exchanged token spends its key's counts: exchanging escapes no limit.
func TestExchangedTokenSpendsTheKeys(t *testing.T) {
	f := newJWTFixture(t)
	f.setKey(t, func(k *apikey.Key) { k.Limits.Rate = &meter.RateLimit{Limit: 1, Window: time.Hour} })
	tok := f.exchanged(t, f.fixture.key.ID, "echo:read")
	for i, want := range []string{"Allow", "Deny"} {
		resp, err := f.auth.Handle(t.Context(), whoami(map[string]string{"Authorization": "Bearer " + tok}))
		if err != nil {
			t.Fatal(err)
		}
		if got := effect(resp, arnBase+"/GET/v1/whoami"); got != want {
			t.Fatalf("request %d: %s, want %s (context %v)", i+1, got, want, resp.Context)
		}
	}
}

func TestInspect(t *testing.T) {
	f := newJWTFixture(t)
	for _, tc := range []struct {
		name, token string
		active      bool
		typ         credential.Type
		id          string
	}{
		{"API key", f.token, true, credential.TypeAPIKey, f.fixture.key.ID},
		{"personal JWT", f.issue(t, f.claims()), true, credential.TypeJWT, f.session.ID},
		{"exchanged", f.exchanged(t, f.fixture.key.ID, "echo:read"), true, credential.TypeAccessToken, f.fixture.key.ID},
		{"malformed key", "tgk_nope", false, "", ""},
		{"SAS of no one", "SharedAccessSignature uid=x&ex=2030-01-01T00:00:00.0000000Z&sn=AAAA", false, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reads := f.store.Reads.Load()
			in, active, err := f.auth.Inspect(t.Context(), tc.token)
			if err != nil || active != tc.active || in.Principal.CredentialType != tc.typ || in.Principal.CredentialID != tc.id {
				t.Fatalf("Inspect = %+v %v %v", in, active, err)
			}
			if !tc.active && tc.name == "malformed key" && f.store.Reads.Load() != reads {
				t.Errorf("a malformed key was looked up")
			}
		})
	}
}
