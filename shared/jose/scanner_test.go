package jose

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

func TestScannerString(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{`""`, "", true},
		{`"abc"`, "abc", true},
		{`  "abc"`, "abc", true},
		{`"é😀"`, "é😀", true},
		{`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t", true},
		{`"\u0041\u00e9\u20AC"`, "Aé€", true},
		{`"\ud83d\ude00"`, "😀", true},
		{`"\u0000"`, "\x00", true},
		{`"\uFFFD"`, "\uFFFD", true},
		{`"abc`, "", false},
		{`"a\"`, "", false},
		{`"\`, "", false},
		{`"\x41"`, "", false},
		{`"\u41"`, "", false},
		{`"\u00zz"`, "", false},
		{`"\ud83d"`, "", false},
		{`"\ud83dx"`, "", false},
		{`"\ude00"`, "", false},
		{`"\ud83d\u0041"`, "", false},
		{`"\ud83d\ud83d"`, "", false},
		{"\"a\nb\"", "", false},
		{"\"\x7f\"", "\x7f", true},
		{"\"\xff\"", "", false},
		{"\"\xc3\"", "", false},
		{"\"\\n\xc3\"", "", false},
		{"\"\xed\xa0\x80\"", "", false}, // UTF-8 encoded surrogate
		{`'a'`, "", false},
		{`abc`, "", false},
	}
	for _, c := range cases {
		p := NewScanner(c.in)
		got, ok := p.Str()
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("Str(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestScannerUint(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1893553445", 1893553445, true},
		{"999999999999999", 999999999999999, true},
		{"1000000000000000", 0, false},
		{"00", 0, false},
		{"01", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"", 0, false},
		{"x", 0, false},
	}
	for _, c := range cases {
		p := NewScanner(c.in)
		got, ok := p.Uint()
		if ok != c.ok || got != c.want {
			t.Errorf("Uint(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// Whatever string the scanner accepts, encoding/json decodes to the same
// value; anything encoding/json writes, the scanner reads back.
func TestScannerMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{`a`, `é`, `\"`, `\\`, `\/`, `\n`, `\u0041`, `\ud83d\ude00`, `\ud83d`, `\ude00`, `\u00`, "\x01", "\xff", `"`, `\`, `\x`, "😀", " "}
	for range 20000 {
		s := `"`
		for range r.IntN(6) {
			s += pieces[r.IntN(len(pieces))]
		}
		s += `"`
		p := NewScanner(s)
		got, ok := p.Str()
		ok = ok && p.End()
		var want string
		err := json.Unmarshal([]byte(s), &want)
		if ok && (err != nil || got != want) {
			t.Fatalf("%q: scanner %q, encoding/json %q, %v", s, got, want, err)
		}
		if !ok && err == nil && utf8.ValidString(want) && want == toValid(want) && !hasLoneSurrogate(s) && utf8.ValidString(s) {
			t.Fatalf("%q: scanner refused what encoding/json reads as %q", s, want)
		}
	}
	for range 2000 {
		b := make([]rune, r.IntN(8))
		for i := range b {
			b[i] = rune(r.IntN(0x11000))
		}
		in := string(b)
		enc, _ := json.Marshal(in)
		p := NewScanner(string(enc))
		got, ok := p.Str()
		if !ok || got != toValid(in) {
			t.Fatalf("%q: scanner read %q, %v", enc, got, ok)
		}
	}
}

func toValid(s string) string {
	var b []rune
	for _, r := range s {
		b = append(b, r)
	}
	return string(b)
}

// hasLoneSurrogate reports an escaped surrogate not part of a pair (which
// encoding/json turns into U+FFFD and the scanner refuses).
func hasLoneSurrogate(s string) bool {
	for i := 0; i+6 <= len(s); i++ {
		if s[i] == '\\' && s[i+1] == 'u' && (s[i+2] == 'd' || s[i+2] == 'D') {
			return true
		}
	}
	return false
}

func TestScannerNumber(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"0", "0", true},
		{" -0", "-0", true},
		{"12", "12", true},
		{"1.5e3", "1.5e3", true},
		{"-1.25E-7,", "-1.25E-7", true},
		{"1e+2]", "1e+2", true},
		{"01", "0", true}, // the number ends at the leading zero; the caller refuses the rest
		{"", "", false},
		{"-", "", false},
		{"+1", "", false},
		{".5", "", false},
		{"1.", "", false},
		{"1.e3", "", false},
		{"1e", "", false},
		{"1e+", "", false},
		{"x", "", false},
	}
	for _, c := range cases {
		p := NewScanner(c.in)
		got, ok := p.Number()
		if ok != c.ok || got != c.want {
			t.Errorf("Number(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestScannerTokens(t *testing.T) {
	p := NewScanner(" {\t\"a\" :\r\ntrue ,\"b\":[null,false]}\n ")
	steps := []func() bool{
		func() bool { return p.Peek() == '{' },
		func() bool { return p.Next('{') },
		func() bool { v, ok := p.Str(); return ok && v == "a" },
		func() bool { return !p.Next(',') && p.Next(':') },
		func() bool { return p.Peek() == 't' && !p.Literal("tru ") && p.Literal("true") },
		func() bool { return p.Next(',') },
		func() bool { v, ok := p.Str(); return ok && v == "b" },
		func() bool { return p.Next(':') && p.Next('[') },
		func() bool { return p.Peek() == 'n' && p.Literal("null") },
		func() bool { return p.Next(',') && p.Peek() == 'f' && p.Literal("false") },
		func() bool { return !p.End() && p.Next(']') && p.Next('}') },
		func() bool { return p.End() && p.Peek() == 0 && !p.Next('}') && !p.Literal("x") },
	}
	for i, step := range steps {
		if !step() {
			t.Fatalf("step %d failed", i)
		}
	}
}

// FuzzScanner: Str never panics, accepts only what encoding/json reads as
// the same valid UTF-8 string, and reads back whatever encoding/json writes;
// Uint and Number accept only what encoding/json reads as a number.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{`""`, `"abc"`, `"\u00e9\ud83d\ude00"`, `"\ud83d"`, "\"\xff\"", `"a\"b`, `0`, `-1.5e3`, `01`, `999999999999999`, `1000000000000000`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := NewScanner(s)
		if got, ok := p.Str(); ok && p.End() {
			var want string
			if err := json.Unmarshal([]byte(s), &want); err != nil || got != want || !utf8.ValidString(got) {
				t.Fatalf("%q: Str %q, encoding/json %q, %v", s, got, want, err)
			}
			enc, _ := json.Marshal(got)
			q := NewScanner(string(enc))
			if back, ok := q.Str(); !ok || back != got || !q.End() {
				t.Fatalf("%q: Str read back %q, %v", enc, back, ok)
			}
		}
		p = NewScanner(s)
		if n, ok := p.Uint(); ok && p.End() {
			var want int64
			if err := json.Unmarshal([]byte(s), &want); err != nil || n != want || n < 0 || n >= 1e15 {
				t.Fatalf("%q: Uint %d, encoding/json %d, %v", s, n, want, err)
			}
		}
		p = NewScanner(s)
		if text, ok := p.Number(); ok && p.End() {
			var want json.Number
			if err := json.Unmarshal([]byte(s), &want); err != nil || string(want) != text {
				t.Fatalf("%q: Number %q, encoding/json %q, %v", s, text, want, err)
			}
		}
	})
}
