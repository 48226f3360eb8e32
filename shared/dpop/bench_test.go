package dpop_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/tollgate/tollgate/shared/dpop"
)

// BenchmarkVerify: one proof's checks (the signature most of it), by
// algorithm.
func BenchmarkVerify(b *testing.B) {
	k := newKeys(b)
	for name, proof := range map[string]string{
		"ES256": forge(goodHeader(k), goodClaims(), es256(k.ec)),
		"EdDSA": forge(map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": edJWK(k.ed.Public().(ed25519.PublicKey))}, goodClaims(), eddsa(k.ed)),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dpop.Verify(proof, resource, t0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
