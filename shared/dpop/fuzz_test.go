package dpop_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/dpop"
)

// FuzzVerify: a fresh Verifier never panics, fails only with a sentinel
// and nothing else, and accepts only proofs whose signature the embedded
// key verifies (checked here without the package's own decoding). A Verifier that has
// remembered the headers of the proofs that verified answers the same.
func FuzzVerify(f *testing.F) {
	k := newKeys(f)
	hdr, good := goodHeader(k), goodClaims()
	f.Add(forge(hdr, good, es256(k.ec)))
	f.Add(forge(map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": edJWK(k.ed.Public().(ed25519.PublicKey))}, good, eddsa(k.ed)))
	f.Add(forge(with(hdr, "jwk", with(ecJWK(&k.ec.PublicKey), "d", "AAAA")), good, es256(k.ec)))
	f.Add(forge(with(hdr, "alg", "none"), good, func(string) []byte { return nil }))
	f.Add(forge(hdr, with(good, "htu", "HTTPS://API.example.com:443/prod/v1/whoami?x#y"), es256(k.ec)))
	f.Add(forge(hdr, with(good, "iat", 1e300), es256(k.ec)))
	f.Add(forge(hdr, map[string]any{"jti": "\u00e9\\\"<", "nested": map[string]any{"a": []any{1}}}, es256(k.ec)))
	f.Add("e30.e30.e30")
	sentinels := []error{dpop.ErrMalformed, dpop.ErrType, dpop.ErrAlgorithm, dpop.ErrKey, dpop.ErrPrivateKey, dpop.ErrSignature,
		dpop.ErrID, dpop.ErrMethod, dpop.ErrURL, dpop.ErrStale, dpop.ErrFuture, dpop.ErrTokenHash, dpop.ErrNonce}
	var v dpop.Verifier

	f.Fuzz(func(t *testing.T, proof string) {
		p, err := verifyOnce(proof, resource, t0)
		if vp, verr := v.Verify(proof, resource, t0); vp != p || fmt.Sprint(verr) != fmt.Sprint(err) {
			t.Fatalf("shared Verifier: %+v, %v; fresh one: %+v, %v", vp, verr, p, err)
		}
		if err != nil {
			known := false
			for _, s := range sentinels {
				known = known || errors.Is(err, s)
			}
			if !known {
				t.Fatalf("error %v is no sentinel", err)
			}
			if p != (dpop.Proof{}) {
				t.Fatalf("refused proof returned %+v", p)
			}
			return
		}
		if len(proof) > dpop.MaxProofLen || len(p.JKT) != 43 || p.ID == "" || len(p.ID) > dpop.MaxIDLen {
			t.Fatalf("accepted %+v", p)
		}
		// Accepted: the key in the header (read here with encoding/json)
		// verifies the signature, and JKT is its thumbprint.
		parts := strings.Split(proof, ".")
		raw, _ := b64.DecodeString(parts[0])
		var h struct {
			Alg string            `json:"alg"`
			JWK map[string]string `json:"jwk"`
		}
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatalf("accepted a header encoding/json refuses: %v", err)
		}
		sig, _ := b64.DecodeString(parts[2])
		input := []byte(parts[0] + "." + parts[1])
		x, _ := b64.DecodeString(h.JWK["x"])
		var ok bool
		switch h.Alg {
		case "ES256":
			y, _ := b64.DecodeString(h.JWK["y"])
			pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
			sum := sha256.Sum256(input)
			ok = len(sig) == 64 && ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
		case "EdDSA":
			ok = len(x) == ed25519.PublicKeySize && ed25519.Verify(ed25519.PublicKey(x), input, sig)
		}
		if !ok {
			t.Fatal("accepted a proof its key did not sign")
		}
		jwk := map[string]any{}
		for name, v := range h.JWK {
			jwk[name] = v
		}
		if p.JKT != thumbprint(jwk) {
			t.Fatal("JKT is not the key's thumbprint")
		}
	})
}
