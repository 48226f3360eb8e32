package jose

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
)

// Errors returned by Split. They are sentinels, never wrapped, and their
// texts never contain any part of the token; callers map them to their own.
var (
	ErrSegments = errors.New("jose: not three segments")
	ErrBase64   = errors.New("jose: not strict base64url")
)

// b64Strict decodes base64url without padding and with zero trailing bits.
var b64Strict = base64.RawURLEncoding.Strict()

// b64url marks the base64url alphabet (base64 decoders skip \r and \n, so
// they are refused here first).
var b64url = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// Split cuts a compact JWS into its three segments, checking only its shape:
// exactly two dots, every other byte in the base64url alphabet. Bytes are
// checked in order and the first fault decides: a third dot is ErrSegments,
// a byte outside the alphabet ErrBase64; fewer than two dots is ErrSegments.
// Segments may be empty; nothing is decoded.
func Split(token string) (header, payload, signature string, err error) {
	d1, d2, d3 := -1, -1, -1 // the first three dots
	if d1 = strings.IndexByte(token, '.'); d1 >= 0 {
		if d2 = strings.IndexByte(token[d1+1:], '.'); d2 >= 0 {
			d2 += d1 + 1
			if d3 = strings.IndexByte(token[d2+1:], '.'); d3 >= 0 {
				d3 += d2 + 1
			}
		}
	}
	// Up to a third dot, a byte outside the alphabet comes first.
	end := len(token)
	if d3 >= 0 {
		end = d3
	}
	for i := 0; i < end; i++ {
		if !b64url[token[i]] && i != d1 && i != d2 {
			return "", "", "", ErrBase64
		}
	}
	if d2 < 0 || d3 >= 0 {
		return "", "", "", ErrSegments
	}
	return token[:d1], token[d1+1 : d2], token[d2+1:], nil
}

// Decode decodes strict base64url without padding (trailing bits zero).
func Decode(s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if !b64url[s[i]] {
			return nil, false
		}
	}
	b, err := b64Strict.DecodeString(s)
	return b, err == nil
}

// DecodedLen is the length of the decoding of n bytes of base64url without
// padding (exact when they decode).
func DecodedLen(n int) int { return base64.RawURLEncoding.DecodedLen(n) }

// DecodeTo decodes src, strict base64url without padding, into all of dst,
// which must be DecodedLen(len(src)) long; it allocates nothing. The strict
// decoder refuses every byte outside the alphabet but \r and \n, which it
// would skip: those are refused here (with a fast search, as src is usually a
// segment Split already checked).
func DecodeTo(dst, src []byte) bool {
	if bytes.IndexByte(src, '\n') >= 0 || bytes.IndexByte(src, '\r') >= 0 {
		return false
	}
	n, err := b64Strict.Decode(dst, src)
	return err == nil && n == len(dst)
}
