package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/cli"
)

func TestRefreshTokenRenewal(t *testing.T) {
	url, admin := stack(t)
	aliceID, key := alice(t, url, admin, issuerScopes)
	r := api(t, 201, "POST", url+"/v1/tokens/refresh", key, `{"name":"cli","scopes":["echo:read","credentials:read"],"accessTokenTTL":60}`)
	rt := r["refreshToken"].(string)

	now := time.Now().UTC()
	tm := newTerm(t)
	tm.now = func() time.Time { return now }
	tm.env["RT"] = rt
	// Bearer tokens: the crash case below exchanges the saved token
	// directly, without a proof (TestRefreshTokenDPoP covers DPoP).
	tm.ok("", "login", "--api-url", url, "--refresh-token-env", "RT", "--no-dpop")
	p1 := tm.profile("default")
	if p1.Kind != cli.KindRefresh || p1.RefreshToken == rt || p1.RefreshToken == "" || p1.AccessToken == "" {
		t.Fatalf("after login: %+v", p1)
	}
	// Within its lifetime the access token is reused: no exchange.
	if who := tm.jsonOf("whoami"); who["principalId"] != aliceID || who["credentialType"] != "access_token" {
		t.Fatalf("whoami = %v", who)
	}
	if p := tm.profile("default"); p.RefreshToken != p1.RefreshToken || p.AccessToken != p1.AccessToken {
		t.Fatal("renewed too early")
	}
	// Past its expiry (by the CLI's clock): renewed, the rotated refresh
	// token saved.
	now = now.Add(61 * time.Second)
	if who := tm.jsonOf("whoami"); who["principalId"] != aliceID {
		t.Fatalf("whoami after expiry = %v", who)
	}
	p2 := tm.profile("default")
	if p2.RefreshToken == p1.RefreshToken || p2.AccessToken == p1.AccessToken || !p2.AccessTokenExpiresAt.After(now) {
		t.Fatalf("not renewed: %+v", p2)
	}
	// Within the renewal window (RenewBefore larger than the TTL) every
	// call renews, and the saved token is always the live one.
	tm.renew = 2 * time.Minute
	if out, _ := tm.ok("", "keys", "get", "--help"); !strings.Contains(out, "Example") { // help needs no token
		t.Fatalf("help = %q", out)
	}
	for range 2 {
		before := tm.profile("default").RefreshToken
		tm.ok("", "keys", "list")
		if after := tm.profile("default").RefreshToken; after == before {
			t.Fatal("refresh token not rotated")
		}
	}
	// A crash between exchange and save: the old token, presented again
	// within the grace period, gets the same successor.
	saved := tm.profile("default").RefreshToken
	a := exchange(t, url, saved)
	b := exchange(t, url, saved)
	if a != b {
		t.Fatalf("retry got %q, want %q", b, a)
	}
}
