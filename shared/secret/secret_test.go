package secret

import (
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

func TestGenerateCheck(t *testing.T) {
	for _, p := range []string{PrefixAPIKey, PrefixRefreshToken, PrefixClientSecret} {
		tok, err := Generate(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != Len || !strings.HasPrefix(tok, p+"_") {
			t.Fatalf("Generate(%q) = %q", p, tok)
		}
		if got, err := Check(tok, p); err != nil || got != p {
			t.Fatalf("Check(%q) = %q, %v", tok, got, err)
		}
		if crc32.ChecksumIEEE([]byte(tok[:Len-checksumLen])) != checksum(tok[:Len-checksumLen]) {
			t.Fatal("checksum differs from hash/crc32")
		}
	}
}

func TestGenerateIsRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok, err := Generate(PrefixAPIKey)
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok] {
			t.Fatal("duplicate secret")
		}
		seen[tok] = true
	}
}

func TestCheckRejects(t *testing.T) {
	good, err := Generate(PrefixAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := []byte(good)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", ErrMalformed},
		{"short", good[:Len-1], ErrMalformed},
		{"long", good + "0", ErrMalformed},
		{"other prefix", "tgr" + good[3:], ErrMalformed},
		{"unknown prefix", "xyz" + good[3:], ErrMalformed},
		{"no underscore", "tgk-" + good[4:], ErrMalformed},
		{"non base62", good[:10] + "+" + good[11:], ErrMalformed},
		{"random part changed", flip(10), ErrChecksum},
		{"checksum changed", flip(Len - 1), ErrChecksum},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Check(c.token, PrefixAPIKey); !errors.Is(err, c.want) {
				t.Fatalf("Check = %v, want %v", err, c.want)
			}
		})
	}
}

func TestCheckDoesNotAllocate(t *testing.T) {
	tok, _ := Generate(PrefixAPIKey)
	if n := testing.AllocsPerRun(100, func() { _, _ = Check(tok, PrefixAPIKey) }); n != 0 {
		t.Fatalf("Check allocates %v times", n)
	}
}

func TestHint(t *testing.T) {
	tok, _ := Generate(PrefixAPIKey)
	h := Hint(tok)
	if !strings.HasPrefix(h, "tgk_…") || !strings.HasSuffix(h, tok[Len-4:]) || len([]rune(h)) > 16 {
		t.Fatalf("Hint = %q", h)
	}
}

func FuzzCheck(f *testing.F) {
	good, _ := Generate(PrefixAPIKey)
	for _, s := range []string{good, "", "tgk_", good[:Len-1] + "!", "tgr" + good[3:], strings.Repeat("z", Len)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Check(s, PrefixAPIKey, PrefixRefreshToken, PrefixClientSecret)
		if err == nil {
			// An accepted token must be well formed and carry a true CRC32.
			var sum uint64
			for i := Len - checksumLen; i < Len; i++ {
				sum = sum*62 + uint64(strings.IndexByte(alphabet, s[i]))
			}
			if len(s) != Len || p != s[:3] || sum != uint64(crc32.ChecksumIEEE([]byte(s[:Len-checksumLen]))) {
				t.Fatalf("accepted %q", s)
			}
		}
		_ = Hint(s)
	})
}

func ExampleHint() {
	fmt.Println(Hint("tgk_" + strings.Repeat("0", randomLen) + "abcdef"))
	// Output: tgk_…cdef
}

// FuzzChecksum: the string CRC equals hash/crc32's for any input.
func FuzzChecksum(f *testing.F) {
	for _, s := range []string{"", "a", "tgk_abcdefgh", strings.Repeat("x", 49), strings.Repeat("\xff", 17)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := checksum(s), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Fatalf("checksum(%q) = %08x, want %08x", s, got, want)
		}
	})
}
