package scanning

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// Errors of Keys.Verify.
var (
	ErrUnknownKey   = errors.New("unknown signing key")
	ErrBadSignature = errors.New("bad signature")
)

// Keys are GitHub's secret scanning public keys by key identifier.
type Keys map[string]*ecdsa.PublicKey

// keySet is the document GitHub publishes at
// https://api.github.com/meta/public_keys/secret_scanning.
type keySet struct {
	PublicKeys []keySetKey `json:"public_keys"`
}

type keySetKey struct {
	KeyIdentifier string `json:"key_identifier"`
	Key           string `json:"key"`
	IsCurrent     bool   `json:"is_current"`
}

// KeySetEntry is one key of a key set document.
type KeySetEntry struct {
	ID      string
	Key     *ecdsa.PublicKey
	Current bool
}

// FormatKeys is the key set document of entries as GitHub publishes it,
// each key in PEM (PKIX): what ParseKeys reads. Tests and the development
// seed play GitHub with it.
func FormatKeys(entries ...KeySetEntry) (string, error) {
	var set keySet
	for _, e := range entries {
		der, err := x509.MarshalPKIXPublicKey(e.Key)
		if err != nil {
			return "", err
		}
		set.PublicKeys = append(set.PublicKeys, keySetKey{KeyIdentifier: e.ID,
			Key: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), IsCurrent: e.Current})
	}
	b, err := json.Marshal(set)
	return string(b), err
}

// maxKeySet bounds the configured key set (a Lambda's environment holds 4
// KB in all).
const maxKeySet = 16 << 10

// ParseKeys reads a key set in GitHub's format,
// {"public_keys":[{"key_identifier","key","is_current"}]}, each key an
// ECDSA P-256 public key in PEM (PKIX); "" is no keys. Fields GitHub may
// add are ignored; a key of another kind, or an identifier given twice, is
// an error. Retired keys (is_current false) still verify: GitHub signs
// with them until it stops.
func ParseKeys(doc string) (Keys, error) {
	if doc == "" {
		return Keys{}, nil
	}
	if len(doc) > maxKeySet {
		return nil, fmt.Errorf("secret scanning key set: larger than %d bytes", maxKeySet)
	}
	var set keySet
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	if err := dec.Decode(&set); err != nil {
		return nil, fmt.Errorf("secret scanning key set: not GitHub's JSON format: %w", err)
	}
	if dec.More() {
		return nil, errors.New("secret scanning key set: more than one JSON value")
	}
	keys := Keys{}
	for i, k := range set.PublicKeys {
		if k.KeyIdentifier == "" || len(k.KeyIdentifier) > maxKeyID {
			return nil, fmt.Errorf("secret scanning key set: public_keys[%d].key_identifier: 1 to %d characters required", i, maxKeyID)
		}
		if _, dup := keys[k.KeyIdentifier]; dup {
			return nil, fmt.Errorf("secret scanning key set: key %s given twice", k.KeyIdentifier)
		}
		pub, err := parsePublicKey(k.Key)
		if err != nil {
			return nil, fmt.Errorf("secret scanning key set: key %s: %w", k.KeyIdentifier, err)
		}
		keys[k.KeyIdentifier] = pub
	}
	return keys, nil
}

// maxKeyID bounds a key identifier (GitHub's are 64 hex characters).
const maxKeyID = 256

func parsePublicKey(s string) (*ecdsa.PublicKey, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil || block.Type != "PUBLIC KEY" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("not one PEM PUBLIC KEY block")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a public key: %w", err)
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key")
	}
	return ec, nil
}

// maxSignature bounds the signature header: an ASN.1 ECDSA P-256
// signature is at most 72 bytes, 96 in base64.
const maxSignature = 256

// Verify checks sig, the base64 of an ASN.1 DER ECDSA signature, over the
// SHA-256 of body, with the key named keyID: ErrUnknownKey if there is no
// such key, ErrBadSignature if sig is not its signature of body.
func (ks Keys) Verify(keyID, sig string, body []byte) error {
	pub, ok := ks[keyID]
	if !ok {
		return ErrUnknownKey
	}
	if len(sig) > maxSignature {
		return ErrBadSignature
	}
	der, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return ErrBadSignature
	}
	digest := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(pub, digest[:], der) {
		return ErrBadSignature
	}
	return nil
}
