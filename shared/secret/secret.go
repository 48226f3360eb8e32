package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"math/big"
)

// Prefixes name the kind of secret.
const (
	PrefixAPIKey       = "tgk"
	PrefixRefreshToken = "tgr"
	PrefixClientSecret = "tgc"
)

const (
	alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	randomLen   = 43 // 62^43 > 2^256
	checksumLen = 6  // 62^6 > 2^32
	prefixLen   = 3
	// tail is what follows the prefix: "_", the random part, the checksum.
	tail = 1 + randomLen + checksumLen
	// Len is the length of a secret without a deployment prefix.
	Len = prefixLen + tail
	// MaxDeploymentLen is the longest deployment prefix, its "_" included:
	// the hint of a prefixed secret ("acme42_tgk_…x7Qa") stays within 16
	// characters.
	MaxDeploymentLen = 7
)

// Errors returned by Check.
var (
	ErrMalformed = errors.New("malformed secret")
	ErrChecksum  = errors.New("secret checksum mismatch")
)

// CheckDeployment reports whether p may be a deployment's own prefix, put
// before the kind of every secret it mints: "" (none), or 1 to
// MaxDeploymentLen-1 lowercase letters and digits, the first a letter,
// followed by "_" ("acme_").
func CheckDeployment(p string) error {
	if p != "" && !validDeployment(p) {
		return fmt.Errorf("secret prefix %q must be 1 to %d lowercase letters and digits, starting with a letter, followed by _ (such as acme_)",
			p, MaxDeploymentLen-1)
	}
	return nil
}

// validDeployment reports whether p is a non-empty deployment prefix.
func validDeployment(p string) bool {
	n := len(p)
	if n < 2 || n > MaxDeploymentLen || p[n-1] != '_' || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for i := 1; i < n-1; i++ {
		if c := p[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// Hash is the SHA-256 of a whole secret: the only form that is stored.
type Hash [sha256.Size]byte

// String is the lowercase hex form used in store keys.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Generate returns a new secret of the given kind (PrefixAPIKey, ...),
// after the deployment prefix deployment ("" for none), from crypto/rand.
func Generate(deployment, kind string) (string, error) {
	if len(kind) != prefixLen {
		return "", fmt.Errorf("secret prefix %q must be %d characters", kind, prefixLen)
	}
	if err := CheckDeployment(deployment); err != nil {
		return "", err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("reading random bits: %w", err)
	}
	buf := make([]byte, 0, len(deployment)+Len)
	buf = append(buf, deployment...)
	buf = append(buf, kind...)
	buf = append(buf, '_')
	buf = appendBase62(buf, new(big.Int).SetBytes(b[:]), randomLen)
	buf = appendBase62(buf, big.NewInt(int64(checksum(string(buf)))), checksumLen)
	return string(buf), nil
}

// Check verifies a presented secret's shape, kind prefix (one of
// prefixes) and checksum without allocating; it returns the kind prefix on
// success. A secret may carry a deployment prefix before its kind (any of
// the form CheckDeployment allows, so that secrets minted before a
// deployment set or changed its prefix keep working); the checksum covers
// it too.
func Check(token string, prefixes ...string) (string, error) {
	end := len(token) - tail // where the kind prefix ends
	if end < prefixLen || end > MaxDeploymentLen+prefixLen || token[end] != '_' {
		return "", ErrMalformed
	}
	if end > prefixLen && !validDeployment(token[:end-prefixLen]) {
		return "", ErrMalformed
	}
	prefix := token[end-prefixLen : end]
	known := false
	for _, p := range prefixes {
		known = known || p == prefix
	}
	if !known {
		return "", ErrMalformed
	}
	var bad int8
	for i := end + 1; i < len(token); i++ {
		bad |= digits[token[i]]
	}
	if bad < 0 {
		return "", ErrMalformed
	}
	var sum uint64
	for i := len(token) - checksumLen; i < len(token); i++ {
		sum = sum*62 + uint64(digits[token[i]])
	}
	if sum != uint64(checksum(token[:len(token)-checksumLen])) {
		return "", ErrChecksum
	}
	return prefix, nil
}

// Kind is the kind prefix of a token shaped like a secret (its checksum
// unchecked), "" for anything else.
func Kind(token string) string {
	end := len(token) - tail
	if end < prefixLen || end > MaxDeploymentLen+prefixLen || token[end] != '_' ||
		end > prefixLen && !validDeployment(token[:end-prefixLen]) {
		return ""
	}
	return token[end-prefixLen : end]
}

// digits is digit of every byte, -1 outside the alphabet: a table, so that
// checking a secret's characters takes no branch on what they are.
var digits = func() (t [256]int8) {
	for i := range t {
		t[i] = int8(digit(byte(i)))
	}
	return t
}()

// Sum returns the SHA-256 of token. A token of up to maxStackToken bytes
// (every secret, and JWTs as Tollgate issues them) is copied on the stack,
// not the heap: this is the authorizer's cache key, on every request.
func Sum(token string) Hash {
	if len(token) > maxStackToken {
		return sha256.Sum256([]byte(token))
	}
	var buf [maxStackToken]byte
	return sha256.Sum256(append(buf[:0], token...))
}

const maxStackToken = 2048

// Hint is what people see of a secret: its prefix (a deployment prefix
// included) and last 4 characters.
func Hint(token string) string {
	if len(token) < Len {
		return ""
	}
	return token[:len(token)-tail] + "_…" + token[len(token)-4:]
}

// checksum is the CRC-32 (IEEE) of s, computed slicing by 8 (as
// hash/crc32's generic code does) straight from the string: hash/crc32
// itself takes a []byte, which a string converts to by copying.
func checksum(s string) uint32 {
	t := &crcTables
	crc := ^uint32(0)
	for ; len(s) >= 8; s = s[8:] {
		crc ^= uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
		crc = t[0][s[7]] ^ t[1][s[6]] ^ t[2][s[5]] ^ t[3][s[4]] ^
			t[4][crc>>24] ^ t[5][crc>>16&0xff] ^ t[6][crc>>8&0xff] ^ t[7][crc&0xff]
	}
	for i := 0; i < len(s); i++ {
		crc = t[0][byte(crc)^s[i]] ^ crc>>8
	}
	return ^crc
}

// crcTables are the slicing-by-8 tables of CRC-32 (IEEE): t[0] is the
// byte-at-a-time table, t[k][b] the CRC of byte b followed by k zero bytes.
var crcTables = func() (t [8][256]uint32) {
	t[0] = *crc32.IEEETable
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 8; k++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[k][i] = crc
		}
	}
	return t
}()

func digit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// appendBase62 appends n in base62, left-padded with '0' to width digits.
func appendBase62(buf []byte, n *big.Int, width int) []byte {
	out := make([]byte, width)
	base, mod := big.NewInt(62), new(big.Int)
	for i := width - 1; i >= 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = alphabet[mod.Int64()]
	}
	return append(buf, out...)
}
