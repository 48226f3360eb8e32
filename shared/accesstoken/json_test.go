package accesstoken

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
		p := scanner{s: c.in}
		got, ok := p.str()
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("str(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
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
		p := scanner{s: c.in}
		got, ok := p.uint()
		if ok != c.ok || got != c.want {
			t.Errorf("uint(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
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
		p := scanner{s: s}
		got, ok := p.str()
		ok = ok && p.end()
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
		p := scanner{s: string(enc)}
		got, ok := p.str()
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

func TestParseHeader(t *testing.T) {
	cases := []struct {
		in   string
		want header
		err  error
	}{
		{`{"alg":"ES256","kid":"k","typ":"at+jwt"}`, header{"ES256", "k", "at+jwt", true, true, true}, nil},
		{`{}`, header{}, nil},
		{` {"typ":"t"} `, header{typ: "t", hasTyp: true}, nil},
		{`{"alg":"a",}`, header{}, errHeaderJSON},
		{`{"alg":"a""kid":"k"}`, header{}, errHeaderJSON},
		{`{"alg":"a"`, header{}, errHeaderJSON},
		{`{"alg" "a"}`, header{}, errHeaderJSON},
		{`{"alg":null}`, header{}, errHeaderJSON},
		{`{"alg":1}`, header{}, errHeaderJSON},
		{`{"alg":"a","alg":"a"}`, header{}, errHeaderDup},
		{`{"jwk":{}}`, header{}, errHeaderMember},
		{`{"Alg":"ES256"}`, header{}, errHeaderMember},
		{`{"alg":"a"}}`, header{}, errHeaderJSON},
		{``, header{}, errHeaderJSON},
		{`null`, header{}, errHeaderJSON},
	}
	for _, c := range cases {
		got, err := parseHeader(c.in)
		if err != c.err || (err == nil && got != c.want) {
			t.Errorf("parseHeader(%s) = %+v, %v; want %+v, %v", c.in, got, err, c.want, c.err)
		}
	}
}
