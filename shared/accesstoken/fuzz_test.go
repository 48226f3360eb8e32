package accesstoken

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
)

// FuzzVerify: Verify never panics, fails only with a sentinel, and accepts
// only tokens whose signature a ring key verifies (checked here without any
// of the package's own decoding).
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	f.Add(issue(f, fx.signer, validClaims()))
	f.Add(issue(f, NewLocalSigner(fx.prev), fullClaims()))
	f.Add(signJSON(fx.key, hdrJSON("ES256", fx.kid, "application/at+jwt"),
		claimsJSON(map[string]any{"aud": []string{"x", testAudience}, "sub": "\u00e9\\\"<"})))
	for _, c := range attackCases(f, fx) {
		f.Add(c.token)
	}
	ring := []*ecdsa.PublicKey{&fx.key.PublicKey, &fx.prev.PublicKey}

	f.Fuzz(func(t *testing.T, tok string) {
		c, err := fx.verifier.Verify(tok)
		if err != nil {
			known := false
			for _, s := range sentinels {
				known = known || errors.Is(err, s)
			}
			if !known {
				t.Fatalf("error %v is no sentinel", err)
			}
			if c != (Claims{}) {
				t.Fatalf("rejected token returned claims %+v", c)
			}
			if len(tok) > 128 {
				checkErrorText(t, err, tok)
			}
			return
		}
		// Accepted: check it the slow, independent way.
		if len(tok) > MaxTokenLen {
			t.Fatalf("accepted a %d-byte token", len(tok))
		}
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted %d segments", len(parts))
		}
		for _, p := range parts {
			b, err := base64.RawURLEncoding.Strict().DecodeString(p)
			if err != nil || base64.RawURLEncoding.EncodeToString(b) != p {
				t.Fatalf("accepted non-canonical base64 %q", p)
			}
		}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		if len(sig) != 64 {
			t.Fatalf("accepted a %d-byte signature", len(sig))
		}
		digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		ok := false
		for _, pub := range ring {
			ok = ok || ecdsa.Verify(pub, digest[:], r, s)
		}
		if !ok {
			t.Fatal("accepted a token no ring key signed")
		}
		hdrBytes, _ := base64.RawURLEncoding.DecodeString(parts[0])
		var hdr map[string]any
		if err := json.Unmarshal(hdrBytes, &hdr); err != nil || hdr["alg"] != "ES256" || len(hdr) != 3 {
			t.Fatalf("accepted header %s", hdrBytes)
		}
		if c.Issuer != testIssuer || c.Audience != testAudience || c.Subject == "" || c.ID == "" || c.SessionID == "" ||
			c.ExpiresAt <= testNow.Unix() || c.IssuedAt > testNow.Unix() {
			t.Fatalf("accepted claims %+v", c)
		}
	})
}
