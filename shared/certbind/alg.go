package certbind

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithms pins a JWS algorithm to a certificate's key: the alg values a
// signature by pub may carry, and a phrase naming them for a refusal ("an
// RSA key takes RS256 or PS256"); none for an unsupported key.
func Algorithms(pub crypto.PublicKey) ([]string, string) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return []string{"RS256", "PS256"}, "an RSA key takes RS256 or PS256"
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return []string{"ES256"}, "a P-256 key takes ES256"
		case elliptic.P384():
			return []string{"ES384"}, "a P-384 key takes ES384"
		case elliptic.P521():
			return []string{"ES512"}, "a P-521 key takes ES512"
		}
	case ed25519.PublicKey:
		// "Ed25519" is RFC 9864's fully-specified name for the same thing.
		return []string{"EdDSA", "Ed25519"}, "an Ed25519 key takes EdDSA"
	}
	return nil, "unsupported key type"
}

// golang-jwt looks methods up by alg in a registry of its own, so two are
// set here for every verifier of signatures by a bound certificate's key:
// "Ed25519", which it does not know, as its EdDSA; and PS256 verified with
// the salt as long as the hash (RFC 7518 §3.5), as it signs, rather than
// with any salt length.
func init() {
	jwt.RegisterSigningMethod("Ed25519", func() jwt.SigningMethod { return fullySpecifiedEd25519{jwt.SigningMethodEdDSA} })
	ps256 := *jwt.SigningMethodPS256
	ps256.VerifyOptions = ps256.Options
	jwt.RegisterSigningMethod(ps256.Alg(), func() jwt.SigningMethod { return &ps256 })
}

// fullySpecifiedEd25519 is golang-jwt's EdDSA under RFC 9864's name.
type fullySpecifiedEd25519 struct{ *jwt.SigningMethodEd25519 }

// Alg is the name it is registered under.
func (fullySpecifiedEd25519) Alg() string { return "Ed25519" }
