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
