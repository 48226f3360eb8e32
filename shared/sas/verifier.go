package sas

import (
	"crypto/hmac"
	"crypto/sha512"
	"crypto/subtle"
	"hash"
	"sync"
	"time"
)

// Verifier verifies tokens against one credential's keys as Verify does,
// for less: each key's HMAC state after its padded key block is computed
// once, by NewVerifier (the precomputation FIPS 198-1 §6 allows), so a
// token costs two SHA-512 blocks per key instead of four, and nothing is
// allocated. Those states are as secret as the keys and, like them, stay
// in memory. A Verifier is safe for concurrent use; its verifications run
// one at a time.
type Verifier struct {
	mu     sync.Mutex
	macs   []hash.Hash // one per non-empty key
	signed [maxSignedLen]byte
	sum    [SignatureLen]byte
}

// NewVerifier returns a Verifier of keys. An empty key is left out: it
// never matches.
func NewVerifier(keys ...string) *Verifier {
	v := &Verifier{}
	for _, k := range keys {
		if k == "" {
			continue // whether a key is empty is no secret
		}
		m := hmac.New(sha512.New, []byte(k))
		// crypto/hmac keeps the keyed inner and outer states from the
		// first Reset on, and restores them on every later Reset and Sum.
		m.Reset()
		v.macs = append(v.macs, m)
	}
	return v
}

// Verify is Verify(t, now, keys...) with the keys v was made from: every
// key's MAC is computed and compared in constant time, then the expiry is
// checked against now.
func (v *Verifier) Verify(t Token, now time.Time) error {
	at, err := checkToken(t)
	if err != nil {
		return err
	}
	match := 0
	v.mu.Lock()
	signed := appendSigned(v.signed[:0], t.Identifier, t.Expiry)
	for _, m := range v.macs {
		m.Reset()
		m.Write(signed)
		match |= subtle.ConstantTimeCompare(m.Sum(v.sum[:0]), t.Signature)
	}
	clear(v.sum[:]) // a valid signature for t, forged or not
	v.mu.Unlock()
	return verdict(match, at, now)
}
