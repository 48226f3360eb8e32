package dpop

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
)

// publicKey is a proof key: EC P-256 (x and y) or OKP Ed25519 (x).
type publicKey struct {
	kty  string
	x, y string // base64url, as sent (strict: one encoding per value)
	ec   *ecdsa.PublicKey
	ed   ed25519.PublicKey
}

// privateMembers are the JWK members of private or symmetric keys (RFC
// 7518 §6.2.2, §6.3.2, §6.4.1).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// readKey reads a jwk: kty, crv, x and y as a P-256 or Ed25519 public key
// needs them. Other members (kid, alg, use, ...) are not read; a private
// member is refused.
func readKey(raw []byte) (*publicKey, error) {
	var kty, crv, x, y string
	var private bool
	err := proofJWS.Object(raw, func(name string, v []byte) error {
		var dst *string
		switch name {
		case "kty":
			dst = &kty
		case "crv":
			dst = &crv
		case "x":
			dst = &x
		case "y":
			dst = &y
		default:
			for _, m := range privateMembers {
				private = private || name == m
			}
			return nil
		}
		return keyStrings.String(v, dst)
	})
	switch {
	case err != nil:
		return nil, err
	case private:
		return nil, errPrivate
	}
	k := &publicKey{kty: kty, x: x, y: y}
	switch {
	case kty == "EC" && crv == "P-256":
		xb, yb := coordinate(x), coordinate(y)
		if xb == nil || yb == nil {
			return nil, errKeyMember
		}
		ec, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, xb...), yb...))
		if err != nil { // not on the curve, or the identity
			return nil, errKeyPoint
		}
		k.ec = ec
	case kty == "OKP" && crv == "Ed25519":
		xb := coordinate(x)
		if xb == nil || y != "" {
			return nil, errKeyMember
		}
		k.ed = ed25519.PublicKey(xb)
	default:
		return nil, errKeyType
	}
	return k, nil
}

// coordinate decodes a 32-byte strict base64url value; nil otherwise.
func coordinate(s string) []byte {
	b, err := b64Strict.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil
	}
	return b
}

// verify checks sig over input with alg (already matched to the key).
func (k *publicKey) verify(alg string, input, sig []byte) bool {
	if alg == "EdDSA" {
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k.ed, input, sig)
	}
	if len(sig) != 64 {
		return false
	}
	sum := sha256.Sum256(input)
	var der [72]byte
	return ecdsa.VerifyASN1(k.ec, sum[:], asn1Signature(der[:0], sig[:32], sig[32:]))
}

// asn1Signature appends to b the DER SEQUENCE of the INTEGERs r and s
// (big-endian, at most 32 bytes each), as ecdsa.VerifyASN1 reads a
// signature: JWS carries the two as fixed-width bytes (RFC 7518 §3.4).
func asn1Signature(b, r, s []byte) []byte {
	integer := func(b, n []byte) []byte {
		for len(n) > 1 && n[0] == 0 {
			n = n[1:]
		}
		if n[0]&0x80 != 0 { // positive: a leading zero byte
			return append(append(b, 0x02, byte(len(n)+1), 0), n...)
		}
		return append(append(b, 0x02, byte(len(n))), n...)
	}
	b = append(b, 0x30, 0)
	b = integer(integer(b, r), s)
	b[1] = byte(len(b) - 2)
	return b
}

// thumbprint is the RFC 7638 SHA-256 thumbprint: the required members in
// lexicographic order, no whitespace.
func (k *publicKey) thumbprint() string {
	var sum [32]byte
	if k.kty == "EC" {
		sum = sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + k.x + `","y":"` + k.y + `"}`))
	} else {
		sum = sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + k.x + `"}`))
	}
	return b64.EncodeToString(sum[:])
}
