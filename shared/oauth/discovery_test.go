package oauth_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/oauth"
)

func TestJWKS(t *testing.T) {
	f := newFixture(t)
	a := f.call(t, event("GET", "/.well-known/jwks.json", ""))
	if a.StatusCode != 200 || a.Headers["Content-Type"] != "application/json" || a.Headers["Cache-Control"] != "public, max-age=300" {
		t.Fatalf("JWKS: %d %v", a.StatusCode, a.Headers)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(a.Body), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS body %s: %v", a.Body, err)
	}
	k := set.Keys[0]
	if got := slices.Sorted(maps.Keys(k)); !slices.Equal(got, []string{"alg", "crv", "kid", "kty", "use", "x", "y"}) {
		t.Errorf("JWK members %v", got)
	}
	if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["kid"] != f.signer.KeyID() {
		t.Errorf("JWK %v", k)
	}
	pub := f.signer.PublicKey()
	x, _ := base64.RawURLEncoding.DecodeString(k["x"])
	y, _ := base64.RawURLEncoding.DecodeString(k["y"])
	if !bytes.Equal(x, pub.X.FillBytes(make([]byte, 32))) || !bytes.Equal(y, pub.Y.FillBytes(make([]byte, 32))) {
		t.Error("JWK coordinates are not the signing key's")
	}
	if _, ok := k["d"]; ok {
		t.Error("the JWKS holds a private key")
	}
}

func TestJWKSDuringKeyRotation(t *testing.T) {
	old, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cur, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := newFixture(t, func(o *oauth.Options) {
		o.Signer = accesstoken.NewLocalSigner(cur)
		o.Keys = accesstoken.NewKeyring(&cur.PublicKey, &old.PublicKey)
	})
	a := f.call(t, event("GET", "/.well-known/jwks.json", ""))
	var set struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	if err := json.Unmarshal([]byte(a.Body), &set); err != nil {
		t.Fatal(err)
	}
	want := []string{accesstoken.NewLocalSigner(cur).KeyID(), accesstoken.NewLocalSigner(old).KeyID()}
	if len(set.Keys) != 2 || set.Keys[0].Kid != want[0] || set.Keys[1].Kid != want[1] {
		t.Errorf("JWKS kids %+v, want %v", set.Keys, want)
	}
}

func TestMetadata(t *testing.T) {
	f := newFixture(t)
	a := f.call(t, event("GET", "/.well-known/oauth-authorization-server", ""))
	if a.StatusCode != 200 || a.Headers["Content-Type"] != "application/json" || a.Headers["Cache-Control"] != "public, max-age=300" {
		t.Fatalf("metadata: %d %v", a.StatusCode, a.Headers)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(a.Body), &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"issuer":              issuer,
		"token_endpoint":      issuer + "/oauth/token",
		"jwks_uri":            issuer + "/.well-known/jwks.json",
		"revocation_endpoint": issuer + "/oauth/revoke",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %s", k, m[k], want)
		}
	}
	strs := func(k string) []string {
		var out []string
		raw, _ := json.Marshal(m[k])
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Errorf("%s = %v, want an array of strings", k, m[k])
		}
		return out
	}
	if got := strs("grant_types_supported"); !slices.Contains(got, "client_credentials") || !slices.Contains(got, "refresh_token") {
		t.Errorf("grant_types_supported = %v", got)
	}
	if got := strs("token_endpoint_auth_methods_supported"); !slices.Contains(got, "client_secret_basic") || !slices.Contains(got, "client_secret_post") {
		t.Errorf("token_endpoint_auth_methods_supported = %v", got)
	}
	if got := strs("dpop_signing_alg_values_supported"); !slices.Equal(got, []string{"ES256", "EdDSA"}) {
		t.Errorf("dpop_signing_alg_values_supported = %v, want exactly what dpop.Verify accepts", got)
	}
	for _, g := range strs("grant_types_supported") {
		if g == "password" || g == "authorization_code" || g == "implicit" {
			t.Errorf("advertises grant %q, which the endpoint refuses", g)
		}
	}
}
