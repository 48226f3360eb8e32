package accesstoken

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
)

// Keyring holds the public keys that verify tokens (the current signing key
// and the previous ones still in their overlap) and renders them as a JWKS.
// It is immutable and safe for concurrent use.
type Keyring struct {
	keys  []*ecdsa.PublicKey
	kids  []string
	byKID map[string]*ecdsa.PublicKey
	jwks  []byte
}

// jwkJSON is one key of the JWKS, members in the order they are rendered.
type jwkJSON struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// NewKeyring returns a keyring of P-256 keys, each under its RFC 7638
// thumbprint, in the order given (duplicates dropped). It panics if a key is
// nil or not a valid P-256 point: that is a programming error, never input.
func NewKeyring(keys ...*ecdsa.PublicKey) *Keyring {
	k := &Keyring{byKID: make(map[string]*ecdsa.PublicKey, len(keys))}
	set := struct {
		Keys []jwkJSON `json:"keys"`
	}{Keys: []jwkJSON{}}
	for _, pub := range keys {
		kid, x, y, err := thumbprint(pub)
		if err != nil {
			panic("accesstoken.NewKeyring: " + err.Error())
		}
		if _, dup := k.byKID[kid]; dup {
			continue
		}
		k.keys = append(k.keys, pub)
		k.kids = append(k.kids, kid)
		k.byKID[kid] = pub
		set.Keys = append(set.Keys, jwkJSON{Kty: "EC", Crv: "P-256", X: x, Y: y, Kid: kid, Alg: "ES256", Use: "sig"})
	}
	var err error
	if k.jwks, err = json.Marshal(set); err != nil {
		panic("accesstoken.NewKeyring: " + err.Error())
	}
	return k
}

// JWKS returns the keys as a JSON Web Key Set, in the keyring's order.
func (k *Keyring) JWKS() []byte {
	if k == nil {
		return []byte(`{"keys":[]}`)
	}
	return append([]byte(nil), k.jwks...)
}

// Key returns the public key whose thumbprint is kid.
func (k *Keyring) Key(kid string) (*ecdsa.PublicKey, bool) {
	if k == nil || len(kid) != thumbprintLen {
		return nil, false
	}
	pub, ok := k.byKID[kid]
	return pub, ok
}

// KeyIDs returns the kids in the keyring's order.
func (k *Keyring) KeyIDs() []string {
	if k == nil {
		return nil
	}
	return append([]string(nil), k.kids...)
}

// thumbprintLen is the length of a base64url SHA-256.
const thumbprintLen = 43

var b64 = base64.RawURLEncoding

// thumbprint returns the RFC 7638 JWK thumbprint of a P-256 key and its
// base64url x and y coordinates.
func thumbprint(pub *ecdsa.PublicKey) (kid, x, y string, err error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return "", "", "", errors.New("key is not ECDSA P-256")
	}
	point, err := pub.Bytes() // validates the point; 0x04 || X || Y
	if err != nil || len(point) != 65 {
		return "", "", "", errors.New("invalid P-256 public key")
	}
	x, y = b64.EncodeToString(point[1:33]), b64.EncodeToString(point[33:])
	// Members in lexicographic order, no whitespace (RFC 7638 §3.3).
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return b64.EncodeToString(sum[:]), x, y, nil
}
