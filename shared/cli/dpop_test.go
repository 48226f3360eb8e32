package cli_test

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// TestRefreshTokenDPoP: a refresh-token login makes a DPoP key (0600,
// beside the configuration file), binds the family to it and calls with
// DPoP tokens and a fresh proof each time; the saved tokens are useless
// without the key; an independent library computes the same thumbprint
// of the key as the token's cnf.jkt; --no-dpop opts out.
func TestRefreshTokenDPoP(t *testing.T) {
	url, admin := stack(t)
	aliceID, key := alice(t, url, admin, issuerScopes)
	rt := api(t, 201, "POST", url+"/v1/tokens/refresh", key, `{"name":"cli","scopes":["echo:read","credentials:read"]}`)["refreshToken"].(string)
	tm := newTerm(t)
	tm.env["RT"] = rt
	tm.ok("", "login", "--api-url", url, "--refresh-token-env", "RT")
	p := tm.profile("default")
	if p.TokenType != "DPoP" || p.DPoPKeyFile == "" || filepath.Dir(p.DPoPKeyFile) != filepath.Dir(tm.config) {
		t.Fatalf("profile = %+v", p)
	}
	fi, err := os.Stat(p.DPoPKeyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	// Calls with the cached access token, each with its own proof (a
	// replayed one would be refused); then renewals, each with a proof.
	for range 2 {
		if who := tm.jsonOf("whoami"); who["principalId"] != aliceID || who["credentialType"] != "access_token" {
			t.Fatalf("whoami = %v", who)
		}
	}
	tm.renew = 365 * 24 * time.Hour // every call renews
	tm.ok("", "keys", "list")
	p = tm.profile("default")
	// Stolen from the file, the tokens are useless without the key.
	if status := bearer(t, url, p.AccessToken); status != 401 {
		t.Fatalf("the DPoP token as Bearer: %d", status)
	}
	if status := whoamiStatus(t, url, "Authorization", "DPoP "+p.AccessToken); status != 401 {
		t.Fatalf("the DPoP token without a proof: %d", status)
	}
	resp, err := http.PostForm(url+"/oauth/token", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {p.RefreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("the bound refresh token without a proof: %d", resp.StatusCode)
	}
	// jwx's RFC 7638 thumbprint of the key file's public key is the token's cnf.jkt.
	raw, _ := os.ReadFile(p.DPoPKeyFile)
	block, _ := pem.Decode(raw)
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := jwk.Import(priv.(crypto.Signer).Public())
	if err != nil {
		t.Fatal(err)
	}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(p.AccessToken, ".")[1])
	var claims struct {
		Cnf map[string]string `json:"cnf"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Cnf["jkt"] != base64.RawURLEncoding.EncodeToString(tp) {
		t.Fatalf("cnf = %v, jwx thumbprint %s", claims.Cnf, base64.RawURLEncoding.EncodeToString(tp))
	}

	// A new login of the profile replaces the key; --no-dpop keeps none.
	rt2 := api(t, 201, "POST", url+"/v1/tokens/refresh", key, `{"name":"cli2","scopes":["echo:read"]}`)["refreshToken"].(string)
	tm.env["RT"] = rt2
	tm.ok("", "login", "--api-url", url, "--refresh-token-env", "RT", "--no-dpop")
	if p2 := tm.profile("default"); p2.DPoPKeyFile != "" || p2.TokenType != "Bearer" {
		t.Fatalf("--no-dpop profile = %+v", p2)
	}
	if _, err := os.Stat(p.DPoPKeyFile); !os.IsNotExist(err) {
		t.Fatalf("the replaced login's key is still there: %v", err)
	}
	if code, _, _ := tm.run("", "login", "--api-url", url, "--token", key, "--no-dpop"); code != 2 {
		t.Fatalf("--no-dpop with --token: exit %d, want 2", code)
	}
}
