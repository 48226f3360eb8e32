package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Length limits of a password, in characters.
const (
	MinLen = 12
	MaxLen = 128
)

// Argon2id parameters: RFC 9106's second recommended option (64 MiB, 3
// passes), with the parallelism of a small Lambda.
const (
	memoryKiB = 64 * 1024
	passes    = 3
	lanes     = 2
	saltLen   = 16
	keyLen    = 32
)

// ErrInvalid reports a password outside the length limits.
var ErrInvalid = errors.New("invalid password")

// Validate checks a new password's length.
func Validate(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinLen || n > MaxLen || !utf8.ValidString(pw) {
		return fmt.Errorf("%w: must be %d to %d characters", ErrInvalid, MinLen, MaxLen)
	}
	return nil
}

// Hash returns the PHC string of pw.
func Hash(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, passes, memoryKiB, lanes, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, lanes,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// dummy is checked against when there is no user, so that an unknown user
// costs the same as a wrong password. It is made on first use: a cold start
// with password sign-in off never pays for it.
var dummy = sync.OnceValue(func() string {
	h, _ := Hash("tollgate dummy password")
	return h
})

// Check reports whether pw matches hash; an empty hash (no user, or no
// password set) is checked against a dummy and never matches.
func Check(pw, hash string) bool {
	if hash == "" {
		check(pw, dummy())
		return false
	}
	return check(pw, hash)
}

func check(pw, hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 10 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
