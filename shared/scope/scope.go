package scope

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// All stands for every scope; only an admin owner holds it.
const All = "*"

// MaxLen is the longest scope string accepted.
const MaxLen = 64

// ErrInvalid reports a malformed scope string.
var ErrInvalid = errors.New("invalid scope")

// Set is a sorted list of distinct scopes. A nil Set and an empty Set both
// hold nothing; a Set containing All holds everything.
type Set []string

// Parse validates and normalizes scopes given by a caller. All may not be
// given: it is derived from the admin role only.
func Parse(in []string) (Set, error) {
	out := make(Set, 0, len(in))
	for _, s := range in {
		if err := validate(s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// ParseClaim reads a token's scope claim as String writes it: scopes
// separated by spaces, or All alone for a credential holding every scope
// (an admin's that inherits). Anything else is ErrInvalid.
func ParseClaim(claim string) (Set, error) {
	fields := strings.Fields(claim)
	if slices.Contains(fields, All) {
		if len(fields) != 1 {
			return nil, fmt.Errorf("%w: %q must stand alone", ErrInvalid, All)
		}
		return Set{All}, nil
	}
	return Parse(fields)
}

func validate(s string) error {
	if s == "" || len(s) > MaxLen {
		return fmt.Errorf("%w: %q must be 1 to %d characters", ErrInvalid, s, MaxLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ':' || c == '.' || c == '_' || c == '-'
		if !ok || (i == 0 && !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) {
			return fmt.Errorf("%w: %q may hold only a-z, 0-9 and : . _ - and must start with a letter or digit", ErrInvalid, s)
		}
	}
	return nil
}

// Has reports whether the set grants scope s.
func (set Set) Has(s string) bool {
	_, found := slices.BinarySearch(set, s)
	return found || set.IsAll()
}

// IsAll reports whether the set grants every scope.
func (set Set) IsAll() bool {
	_, found := slices.BinarySearch(set, All)
	return found
}

// Covers reports whether every scope of sub is granted by set.
func (set Set) Covers(sub Set) bool {
	if set.IsAll() {
		return true
	}
	for _, s := range sub {
		if !set.Has(s) {
			return false
		}
	}
	return true
}

// Intersect returns the scopes granted by both a and b.
func Intersect(a, b Set) Set {
	switch {
	case a.IsAll():
		return b
	case b.IsAll():
		return a
	}
	out := make(Set, 0, min(len(a), len(b)))
	for _, s := range a {
		if b.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// String joins the set with spaces, as in an OAuth scope parameter.
func (set Set) String() string { return strings.Join(set, " ") }
