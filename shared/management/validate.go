package management

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tollgate/tollgate/shared/apigw"
)

// Limits on what requests name.
const (
	// maxNameLen is the longest display name, in characters.
	maxNameLen = 100
	// maxIDLen is the longest identifier a request may name, in bytes: a
	// username (100), longer than any id Tollgate makes.
	maxIDLen = 100
)

// validText refuses text that could show as something it is not: invalid
// UTF-8 and U+FFFD (what JSON decoding makes of invalid UTF-8 and lone
// surrogate escapes), control characters, Unicode format characters
// (category Cf: bidi overrides and isolates, zero-width spaces and joiners,
// tags) and the line and paragraph separators.
func validText(field, s string) error {
	if !utf8.ValidString(s) {
		return apigw.Invalid(field, "must be valid UTF-8")
	}
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return apigw.Invalid(field, "must be valid UTF-8 (U+FFFD is refused)")
		case unicode.IsControl(r):
			return apigw.Invalid(field, "must not contain control characters")
		case unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029':
			return apigw.Invalid(field, "must not contain Unicode format characters (U+%04X: bidi controls, zero-width characters)", r)
		}
	}
	return nil
}

// validName checks a display name: 1 to 100 characters, not all blank,
// and text validText accepts. Every route that takes a name checks it here.
func validName(field, s string) error {
	if err := validText(field, s); err != nil {
		return err
	}
	if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > maxNameLen {
		return apigw.Invalid(field, "must be 1 to %d characters", maxNameLen)
	}
	return nil
}

// validID checks an identifier a request names before any store call sees
// it: at most maxIDLen bytes of text validText accepts.
func validID(field, s string) error {
	if len(s) > maxIDLen {
		return apigw.Invalid(field, "must be at most %d bytes", maxIDLen)
	}
	return validText(field, s)
}
