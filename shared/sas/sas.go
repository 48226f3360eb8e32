package sas

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Scheme is the Authorization scheme of a shared access signature.
const Scheme = "SharedAccessSignature"

// Sizes.
const (
	// MaxLen is the longest Authorization header value Parse reads.
	MaxLen = 1024
	// KeyLen is the number of random bytes in a key (before base64).
	KeyLen = 64
	// SignatureLen is the number of bytes in a signature (HMAC-SHA512).
	SignatureLen = sha512.Size

	identifierBytes  = 12 // 24 hex characters, like Azure's identifiers
	maxIdentifierLen = 64
	signatureB64Len  = (SignatureLen + 2) / 3 * 4 // 88, ending in "=="
)

// b64 is strict standard base64: non-zero padding bits are refused.
var b64 = base64.StdEncoding.Strict()

// GenerateKey returns a new key: 64 random bytes from crypto/rand, standard
// base64 with padding. The key is this string: Sign and Verify use its UTF-8
// bytes, never its decoded bytes.
func GenerateKey() (string, error) {
	var b [KeyLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("sas: reading random bits: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// NewIdentifier returns a new credential identifier: 24 lowercase hex
// characters from crypto/rand, shaped like Azure's (53d7e14aee681a0034030003).
func NewIdentifier() (string, error) {
	var b [identifierBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("sas: reading random bits: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Sign returns the whole Authorization header value for identifier, signed
// with key, expiring at expiry (written with FormatExpiry). identifier should
// come from NewIdentifier: one outside Parse's uid rules makes a token that
// Parse refuses.
func Sign(identifier, key string, expiry time.Time) string {
	ex := FormatExpiry(expiry)
	sig := mac(key, identifier, ex)
	return Scheme + " uid=" + identifier + "&ex=" + ex + "&sn=" + base64.StdEncoding.EncodeToString(sig)
}

// Token is a parsed shared access signature.
type Token struct {
	// Identifier is the uid: the credential the token claims to be signed by.
	Identifier string
	// Expiry is ex exactly as presented; the signature covers this string.
	Expiry string
	// ExpiresAt is Expiry read with ParseExpiry, in UTC.
	ExpiresAt time.Time
	// Signature is sn decoded: 64 bytes.
	Signature []byte
}

// String describes t without its signature, so logging a Token leaks no
// credential.
func (t Token) String() string {
	return Scheme + " uid=" + t.Identifier + "&ex=" + t.Expiry + "&sn=[redacted]"
}

// GoString is String, so that %#v redacts too.
func (t Token) GoString() string { return t.String() }

// Parse reads an Authorization header value strictly:
//
//	SharedAccessSignature uid={identifier}&ex={expiry}&sn={signature}
//
// The scheme is matched ASCII case-insensitively, as HTTP auth schemes are
// (RFC 9110 §11.1), and is followed by exactly one space. Then come the
// three fields, each exactly once, in Azure's order (uid, ex, sn: the only
// order its documentation, its sample and the clients written after them
// produce), with case-sensitive names and no other field. uid is 1 to 64
// characters of A-Z a-z 0-9 . _ - (no "\n", which would let a uid forge the
// string-to-sign, and no "&" or "="); ex is anything ParseExpiry accepts and
// is kept raw; sn is standard base64 with padding of exactly 64 bytes.
// Nothing is percent-decoded (Azure does not encode these values), so a "+"
// turned into a space on the way is refused, not repaired. The whole value
// is at most MaxLen bytes. Every refusal is ErrMalformed.
func Parse(header string) (Token, error) {
	if len(header) > MaxLen {
		return Token{}, errTooLong
	}
	if len(header) <= len(Scheme) || !asciiEqualFold(header[:len(Scheme)], Scheme) || header[len(Scheme)] != ' ' {
		return Token{}, errScheme
	}
	rest := header[len(Scheme)+1:]
	if rest != "" && rest[0] == ' ' {
		return Token{}, errSpace
	}
	var values [3]string // uid, ex, sn
	var seen [3]bool
	next := 0
	for {
		field, more, found := strings.Cut(rest, "&")
		name, value, ok := strings.Cut(field, "=")
		if !ok {
			return Token{}, errField
		}
		i := fieldIndex(name)
		switch {
		case i < 0:
			return Token{}, errUnknownField
		case seen[i]:
			return Token{}, errDuplicateField
		case i != next:
			return Token{}, errFieldOrder
		case value == "":
			return Token{}, errEmptyValue
		}
		seen[i], values[i] = true, value
		next++
		if !found {
			break
		}
		rest = more
	}
	if next != len(values) {
		return Token{}, errMissingField
	}
	uid, ex, sn := values[0], values[1], values[2]
	if !validIdentifier(uid) {
		return Token{}, errIdentifier
	}
	at, err := ParseExpiry(ex)
	if err != nil {
		return Token{}, err
	}
	sig, ok := decodeSignature(sn)
	if !ok {
		return Token{}, errSignatureForm
	}
	return Token{Identifier: uid, Expiry: ex, ExpiresAt: at, Signature: sig}, nil
}

// Verify checks t's signature against each key and then its expiry against
// now: a token is valid with any one of the keys, until (not at) ExpiresAt.
// Every key's MAC is computed and compared in constant time whichever
// matches, so timing tells neither how close a forgery came nor which key
// signed. An empty key never matches (anyone could sign with it). A Token
// not made by Parse is checked as Parse would (ErrMalformed). To verify
// many tokens against the same keys, keep the Verifier this makes.
func Verify(t Token, now time.Time, keys ...string) error {
	return NewVerifier(keys...).Verify(t, now)
}

// checkToken checks t as Parse would have made it, and returns its expiry
// read from Expiry.
func checkToken(t Token) (time.Time, error) {
	if !validIdentifier(t.Identifier) {
		return time.Time{}, errIdentifier
	}
	at, err := ParseExpiry(t.Expiry)
	if err != nil {
		return time.Time{}, err
	}
	if !at.Equal(t.ExpiresAt) {
		return time.Time{}, errExpiryMismatch
	}
	if len(t.Signature) != SignatureLen {
		return time.Time{}, errSignatureLen
	}
	return at, nil
}

// verdict is Verify's answer, given match (1 if any key's MAC matched the
// signature, else 0): the signature first, then the expiry at against now.
func verdict(match int, at, now time.Time) error {
	if match != 1 {
		return errNoMatch
	}
	if !now.Before(at) {
		return errPassed
	}
	return nil
}

// mac is HMAC-SHA512 keyed with the UTF-8 bytes of key (the base64 string,
// as Azure's sample does) over identifier + "\n" + expiry.
func mac(key, identifier, expiry string) []byte {
	var buf [maxSignedLen]byte
	h := hmac.New(sha512.New, []byte(key))
	h.Write(appendSigned(buf[:0], identifier, expiry))
	return h.Sum(nil)
}

// maxSignedLen is the longest string-to-sign of a token Parse accepts.
const maxSignedLen = maxIdentifierLen + 1 + maxExpiryLen

// appendSigned appends the string-to-sign, identifier + "\n" + expiry, to dst.
func appendSigned(dst []byte, identifier, expiry string) []byte {
	dst = append(dst, identifier...)
	dst = append(dst, '\n')
	return append(dst, expiry...)
}

// zeroLowBits are the base64 characters whose low 4 bits are 0.
const zeroLowBits = "AQgw"

// notBase64 is 1 for every byte outside the standard base64 alphabet
// (without "="), 0 for the 64 inside it: a table, so that checking a
// signature's characters takes no branch on what they are.
var notBase64 = func() (t [256]byte) {
	for i := range t {
		if c := byte(i); !(isAlnum(c) || c == '+' || c == '/') {
			t[i] = 1
		}
	}
	return t
}()

// decodeSignature decodes sn: exactly 88 characters of the standard base64
// alphabet ending in "==" with zero padding bits. The alphabet is checked
// first because the base64 package skips "\r" and "\n".
func decodeSignature(s string) ([]byte, bool) {
	if len(s) != signatureB64Len || s[len(s)-2:] != "==" {
		return nil, false
	}
	var bad byte
	for i := 0; i < len(s)-2; i++ {
		bad |= notBase64[s[i]]
	}
	// The last character before "==" carries 2 bits; its other 4 must be 0.
	// Checked here so that refusing allocates nothing.
	if bad != 0 || strings.IndexByte(zeroLowBits, s[len(s)-3]) < 0 {
		return nil, false
	}
	sig, err := b64.DecodeString(s)
	if err != nil || len(sig) != SignatureLen {
		return nil, false
	}
	return sig, true
}

// validIdentifier reports whether s is 1 to 64 characters of A-Z a-z 0-9 . _ -.
func validIdentifier(s string) bool {
	if len(s) == 0 || len(s) > maxIdentifierLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// fieldIndex is the position of a field name in Azure's order, or -1.
func fieldIndex(name string) int {
	switch name {
	case "uid":
		return 0
	case "ex":
		return 1
	case "sn":
		return 2
	}
	return -1
}

// asciiEqualFold is strings.EqualFold for ASCII only: unlike it, the Kelvin
// sign (U+212A) does not match "k", nor the long s (U+017F) "s".
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
