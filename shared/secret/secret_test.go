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
		tok, err := Generate("", p)
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
		tok, err := Generate("", PrefixAPIKey)
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
	good, err := Generate("", PrefixAPIKey)
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
	tok, _ := Generate("", PrefixAPIKey)
	if n := testing.AllocsPerRun(100, func() { _, _ = Check(tok, PrefixAPIKey) }); n != 0 {
		t.Fatalf("Check allocates %v times", n)
	}
}

func TestHint(t *testing.T) {
	tok, _ := Generate("", PrefixAPIKey)
	h := Hint(tok)
	if !strings.HasPrefix(h, "tgk_…") || !strings.HasSuffix(h, tok[Len-4:]) || len([]rune(h)) > 16 {
		t.Fatalf("Hint = %q", h)
	}
}

func FuzzCheck(f *testing.F) {
	good, _ := Generate("", PrefixAPIKey)
	prefixed, _ := Generate("acme_", PrefixAPIKey)
	for _, s := range []string{good, prefixed, "", "tgk_", good[:Len-1] + "!", "tgr" + good[3:], strings.Repeat("z", Len),
		"x_" + good, "acme420_" + good, "Acme_" + good} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Check(s, PrefixAPIKey, PrefixRefreshToken, PrefixClientSecret)
		if err == nil {
			// An accepted token must be well formed, its deployment prefix
			// valid, and carry a true CRC32.
			n := len(s)
			var sum uint64
			for i := n - checksumLen; i < n; i++ {
				sum = sum*62 + uint64(strings.IndexByte(alphabet, s[i]))
			}
			d := s[:n-Len]
			if n < Len || CheckDeployment(d) != nil || p != s[len(d):len(d)+3] || Kind(s) != p ||
				sum != uint64(crc32.ChecksumIEEE([]byte(s[:n-checksumLen]))) {
				t.Fatalf("accepted %q", s)
			}
		}
		if h := Hint(s); len([]rune(h)) > 16 && Kind(s) != "" {
			t.Fatalf("Hint(%q) = %q", s, h)
		}
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

func TestDeploymentPrefix(t *testing.T) {
	for _, d := range []string{"a_", "acme_", "acme42_", "z0z0z0_"} {
		t.Run(d, func(t *testing.T) {
			tok, err := Generate(d, PrefixClientSecret)
			if err != nil {
				t.Fatal(err)
			}
			if len(tok) != len(d)+Len || !strings.HasPrefix(tok, d+PrefixClientSecret+"_") {
				t.Fatalf("Generate = %q", tok)
			}
			if got, err := Check(tok, PrefixClientSecret); err != nil || got != PrefixClientSecret {
				t.Fatalf("Check(%q) = %q, %v", tok, got, err)
			}
			if got := Kind(tok); got != PrefixClientSecret {
				t.Fatalf("Kind = %q", got)
			}
			// The checksum covers the deployment prefix: another one in its
			// place (same length) fails.
			other := "b" + tok[1:]
			if _, err := Check(other, PrefixClientSecret); !errors.Is(err, ErrChecksum) {
				t.Fatalf("Check(other deployment) = %v, want ErrChecksum", err)
			}
			if _, err := Check(tok[len(d):], PrefixClientSecret); !errors.Is(err, ErrChecksum) {
				t.Fatalf("Check(prefix cut off) = %v, want ErrChecksum", err)
			}
			h := Hint(tok)
			if !strings.HasPrefix(h, d+"tgc_…") || len([]rune(h)) > 16 {
				t.Fatalf("Hint = %q", h)
			}
			if n := testing.AllocsPerRun(100, func() { _, _ = Check(tok, PrefixClientSecret) }); n != 0 {
				t.Fatalf("Check allocates %v times", n)
			}
		})
	}
}

func TestCheckDeployment(t *testing.T) {
	cases := []struct {
		prefix string
		ok     bool
	}{
		{"", true}, {"a_", true}, {"acme_", true}, {"acme42_", true},
		{"_", false}, {"acme", false}, {"Acme_", false}, {"1acme_", false}, {"ac-me_", false},
		{"ac_me_", false}, {"acme420_", false}, {"tgk_", true}, {"acmé_", false},
	}
	for _, c := range cases {
		if err := CheckDeployment(c.prefix); (err == nil) != c.ok {
			t.Errorf("CheckDeployment(%q) = %v, want ok %v", c.prefix, err, c.ok)
		}
		if _, err := Generate(c.prefix, PrefixAPIKey); (err == nil) != c.ok {
			t.Errorf("Generate(%q) = %v, want ok %v", c.prefix, err, c.ok)
		}
	}
}

func TestCheckRejectsBadDeployment(t *testing.T) {
	good, _ := Generate("", PrefixAPIKey)
	for _, d := range []string{"_", "Acme_", "acme-", "acme420_", "ac_me_", "9_"} {
		if _, err := Check(d+good, PrefixAPIKey); !errors.Is(err, ErrMalformed) {
			t.Errorf("Check(%q+key) = %v, want ErrMalformed", d, err)
		}
		if k := Kind(d + good); k != "" {
			t.Errorf("Kind(%q+key) = %q", d, k)
		}
	}
}
