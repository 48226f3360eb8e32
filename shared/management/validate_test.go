package management

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/tollgate/tollgate/shared/apigw"
)

// FuzzValidName: a name validName accepts is 1 to 100 characters of valid
// UTF-8, not blank, holding no U+FFFD, control, format or separator
// character; one it refuses is a 400 naming the field. validID keeps to
// the same text rule within its byte bound.
func FuzzValidName(f *testing.F) {
	for _, s := range []string{"ci", "", " ", "é", "\xff", "a\u202eb", "\u200b", "\ufeff", "\U000E0041", "\u0085", "鍵 🚀",
		strings.Repeat("n", 101), "usr_0123456789ABCDEFG"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, check := range []struct {
			field string
			err   error
			size  bool // the size rule holds
		}{
			{"name", validName("name", s), strings.TrimSpace(s) != "" && utf8.RuneCountInString(s) <= maxNameLen},
			{"targetId", validID("targetId", s), len(s) <= maxIDLen},
		} {
			if check.err != nil {
				var p *apigw.Problem
				if !errors.As(check.err, &p) || p.Status != http.StatusBadRequest || !strings.HasPrefix(p.Detail, check.field+": ") {
					t.Fatalf("%s %q refused with %v, want a 400 naming it", check.field, s, check.err)
				}
				continue
			}
			if !utf8.ValidString(s) || !check.size {
				t.Fatalf("%s %q accepted", check.field, s)
			}
			for _, r := range s {
				if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
					t.Fatalf("%s %q accepted with U+%04X", check.field, s, r)
				}
			}
		}
	})
}
