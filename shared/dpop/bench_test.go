package dpop_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/dpop"
)

// BenchmarkVerify: one proof's checks (the signature most of it), by
// algorithm: "first", a client's first proof (a fresh Verifier reads its
// header); "known", a client's later proofs (its header known).
func BenchmarkVerify(b *testing.B) {
	k := newKeys(b)
	for name, proof := range map[string]string{
		"ES256": forge(goodHeader(k), goodClaims(), es256(k.ec)),
		"EdDSA": forge(map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": edJWK(k.ed.Public().(ed25519.PublicKey))}, goodClaims(), eddsa(k.ed)),
	} {
		var v dpop.Verifier
		for when, verify := range map[string]func(string, dpop.Request, time.Time) (dpop.Proof, error){"first": verifyOnce, "known": v.Verify} {
			b.Run(name+"/"+when, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := verify(proof, resource, t0); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
