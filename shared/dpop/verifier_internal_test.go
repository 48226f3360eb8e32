package dpop

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"sync"
	"testing"
	"time"
)

// edProof is a proof for GET url at now signed by a fresh Ed25519 key.
func edProof(t *testing.T, url string, now time.Time) string {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := json.Marshal(map[string]any{"typ": Type, "alg": "EdDSA", "jwk": map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(pub)}})
	c, _ := json.Marshal(map[string]any{"jti": "j", "htm": "GET", "htu": url, "iat": now.Unix()})
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	return input + "." + b64.EncodeToString(ed25519.Sign(priv, []byte(input)))
}

// TestVerifierBounded: a Verifier keeps only headers whose proof verified,
// at most maxHeaders of them, and is safe for concurrent use.
func TestVerifierBounded(t *testing.T) {
	now := time.Unix(1796558400, 0)
	r := Request{Method: "GET", URL: "https://api.example.com/v1/whoami"}
	var v Verifier
	bad := edProof(t, r.URL, now)
	if _, err := v.Verify(bad[:len(bad)-4]+"AAAA", r, now); err == nil {
		t.Fatal("an altered signature verified")
	}
	if len(v.headers) != 0 {
		t.Fatal("the header of a proof that did not verify was kept")
	}
	proofs := make([]string, maxHeaders+10)
	for i := range proofs {
		proofs[i] = edProof(t, r.URL, now)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(proofs); i += 4 {
				if _, err := v.Verify(proofs[i], r, now); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := len(v.headers); n == 0 || n > maxHeaders {
		t.Fatalf("%d headers kept, want 1 to %d", n, maxHeaders)
	}
}
