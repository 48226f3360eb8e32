package id

import (
	"crypto/rand"
	"math/big"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// bodyLen base62 digits hold 96 random bits (62^17 > 2^96).
const bodyLen = 17

// New returns prefix + "_" + 17 random base62 characters.
func New(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	n := new(big.Int).SetBytes(b[:])
	out := make([]byte, len(prefix)+1+bodyLen)
	copy(out, prefix)
	out[len(prefix)] = '_'
	base, mod := big.NewInt(62), new(big.Int)
	for i := len(out) - 1; i > len(prefix); i-- {
		n.DivMod(n, base, mod)
		out[i] = alphabet[mod.Int64()]
	}
	return string(out)
}

// Valid reports whether s could have come from New(prefix).
func Valid(prefix, s string) bool {
	if len(s) != len(prefix)+1+bodyLen || s[:len(prefix)] != prefix || s[len(prefix)] != '_' {
		return false
	}
	for i := len(prefix) + 1; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
