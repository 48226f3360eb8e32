package jose

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		in      string
		h, p, s string
		err     error
	}{
		{"a.b.c", "a", "b", "c", nil},
		{"..", "", "", "", nil},
		{"eyJ-_.AZaz09.", "eyJ-_", "AZaz09", "", nil},
		{"", "", "", "", ErrSegments},
		{"a.b", "", "", "", ErrSegments},
		{"a.b.c.d", "", "", "", ErrSegments},
		{"a.b.c.", "", "", "", ErrSegments},
		{"a.b.c=", "", "", "", ErrBase64},
		{"a.b.c\n", "", "", "", ErrBase64},
		{"a+b.c.d", "", "", "", ErrBase64},
		{"a.b.c.d+", "", "", "", ErrSegments}, // the first fault decides
		{"a.b.c+.d", "", "", "", ErrBase64},
		{"a b", "", "", "", ErrBase64},
	}
	for _, c := range cases {
		h, p, s, err := Split(c.in)
		if err != c.err || h != c.h || p != c.p || s != c.s {
			t.Errorf("Split(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", c.in, h, p, s, err, c.h, c.p, c.s, c.err)
		}
	}
	for _, err := range []error{ErrSegments, ErrBase64} {
		if strings.Contains(err.Error(), "a.b") {
			t.Errorf("%v names the token", err)
		}
	}
}

func TestDecode(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"", "", true},
		{"YQ", "a", true},
		{"YWI", "ab", true},
		{"YWJj", "abc", true},
		{"-_8", "\xfb\xff", true},
		{"YR", "", false},   // trailing bits set
		{"YQ==", "", false}, // padding
		{"Y", "", false},    // impossible length
		{"Y\nQ", "", false}, // base64 decoders skip newlines; we do not
		{"Y\rQ", "", false},
		{"+/8", "", false}, // standard alphabet
		{"YQ.", "", false},
	}
	for _, c := range cases {
		got, ok := Decode(c.in)
		if ok != c.ok || (ok && string(got) != c.want) {
			t.Errorf("Decode(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
		dst := make([]byte, DecodedLen(len(c.in)))
		if ok := DecodeTo(dst, []byte(c.in)); ok != c.ok || (ok && string(dst) != c.want) {
			t.Errorf("DecodeTo(%q) = %q, %v; want %q, %v", c.in, dst, ok, c.want, c.ok)
		}
	}
	if DecodeTo(make([]byte, 2), []byte("YQ")) {
		t.Error("DecodeTo filled only part of dst")
	}
	for n := range 64 {
		b := bytes.Repeat([]byte{byte(n * 7)}, n)
		enc := base64.RawURLEncoding.EncodeToString(b)
		if got, ok := Decode(enc); !ok || !bytes.Equal(got, b) || DecodedLen(len(enc)) != n {
			t.Fatalf("round trip of %d bytes: %x, %v", n, got, ok)
		}
	}
}

func BenchmarkSplit(b *testing.B) {
	tok := strings.Repeat("A", 2000) + "." + strings.Repeat("B", 2000) + "." + strings.Repeat("C", 94)
	for b.Loop() {
		if _, _, _, err := Split(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzSplit: Split agrees with the plain one-pass reading (first fault
// decides) and its segments rebuild the token.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"a.b.c", "..", "a.b.c.d+", "a.b.c+.d", "a+b", "a.b", "a\n.b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		var want error
		dots := 0
		for i := 0; i < len(token) && want == nil; i++ {
			switch c := token[i]; {
			case c == '.':
				if dots++; dots == 3 {
					want = ErrSegments
				}
			case !b64url[c]:
				want = ErrBase64
			}
		}
		if want == nil && dots < 2 {
			want = ErrSegments
		}
		h, p, s, err := Split(token)
		if err != want {
			t.Fatalf("Split(%q): %v, want %v", token, err, want)
		}
		if err == nil && h+"."+p+"."+s != token {
			t.Fatalf("Split(%q) = %q, %q, %q", token, h, p, s)
		}
	})
}
