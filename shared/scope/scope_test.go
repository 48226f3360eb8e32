package scope

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   []string
		want string
		err  bool
	}{
		{[]string{"b:read", "a:write", "b:read"}, "a:write b:read", false},
		{[]string{}, "", false},
		{[]string{"*"}, "", true},
		{[]string{""}, "", true},
		{[]string{"Upper"}, "", true},
		{[]string{":lead"}, "", true},
		{[]string{"a b"}, "", true},
		{[]string{strings.Repeat("a", MaxLen+1)}, "", true},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if (err != nil) != c.err || err == nil && got.String() != c.want {
			t.Errorf("Parse(%q) = %q, %v", c.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) error %v is not ErrInvalid", c.in, err)
		}
	}
}

func TestAlgebra(t *testing.T) {
	all, ab, a, none := Set{All}, Set{"a", "b"}, Set{"a"}, Set{}
	cases := []struct {
		name string
		got  any
		want any
	}{
		{"all has anything", all.Has("x"), true},
		{"set has member", ab.Has("b"), true},
		{"set lacks other", ab.Has("c"), false},
		{"empty has nothing", none.Has("a"), false},
		{"covers subset", ab.Covers(a), true},
		{"does not cover superset", a.Covers(ab), false},
		{"all covers all", all.Covers(ab), true},
		{"only all covers all", ab.Covers(all), false},
		{"intersect with all", Intersect(all, ab).String(), "a b"},
		{"intersect all with", Intersect(a, all).String(), "a"},
		{"intersect", Intersect(ab, Set{"b", "c"}).String(), "b"},
		{"intersect empty", Intersect(none, all).String(), ""},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestParseClaim: a token's scope claim reads back the set String wrote,
// All included, and nothing else.
func TestParseClaim(t *testing.T) {
	cases := map[string]string{ // claim: the set read, or "error"
		"*":                 "*",
		"b:read a:write":    "a:write b:read",
		"  a:read\tb:read ": "a:read b:read",
		"":                  "",
		"* a:read":          "error",
		"a:read *":          "error",
		"* *":               "error",
		"**":                "error",
		"Upper":             "error",
	}
	for in, want := range cases {
		got, err := ParseClaim(in)
		if (err != nil) != (want == "error") || err == nil && (got.String() != want || got.IsAll() != (want == All)) {
			t.Errorf("ParseClaim(%q) = %q (all %v), %v", in, got, got.IsAll(), err)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseClaim(%q) error %v is not ErrInvalid", in, err)
		}
	}
	for _, s := range []Set{{All}, {"a:read", "b:write"}, {}} {
		if got, err := ParseClaim(s.String()); err != nil || got.String() != s.String() || got.IsAll() != s.IsAll() {
			t.Errorf("ParseClaim(%q) = %q, %v: not the set String wrote", s.String(), got, err)
		}
	}
}

// FuzzParseClaim: whatever a claim holds, ParseClaim never panics, and a
// set it accepts is written back by String as a claim that reads the same.
func FuzzParseClaim(f *testing.F) {
	for _, s := range []string{"*", "a:read b:write", "", "* a", " \t*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, claim string) {
		got, err := ParseClaim(claim)
		if err != nil {
			return
		}
		again, err := ParseClaim(got.String())
		if err != nil || again.String() != got.String() || again.IsAll() != got.IsAll() {
			t.Fatalf("ParseClaim(%q) = %q, which reads back as %q, %v", claim, got, again, err)
		}
	})
}
