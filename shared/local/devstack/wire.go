package devstack

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// A Lambda function's event passes through JSON, so the function gets its
// own copy of it, with the one change JSON makes to what it carries:
// every string coerced to valid UTF-8, each invalid byte becoming U+FFFD.
// The gateway builds each event that way directly rather than encoding and
// decoding it (that round trip was most of the gateway's time under load);
// TestEventsAreTheirOwnRoundTrip checks the result is what JSON gives.

// wire is s as it arrives through JSON.
func wire(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString(string(utf8.RuneError))
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// wireMap is a fresh copy of m as it arrives through JSON: nil stays nil,
// names and values are coerced by wire, and when two names coerce to the
// same one the value of the later name in sorted order wins, as it does
// when JSON (which writes the names sorted) is decoded.
func wireMap[V any](m map[string]V, value func(V) V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		if !utf8.ValidString(k) {
			return wireMapSorted(m, value)
		}
		out[k] = value(v)
	}
	return out
}

func wireMapSorted[V any](m map[string]V, value func(V) V) map[string]V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make(map[string]V, len(m))
	for _, k := range keys {
		out[wire(k)] = value(m[k])
	}
	return out
}

// wireList is a fresh copy of vs as it arrives through JSON (nil stays
// nil, empty stays empty).
func wireList(vs []string) []string {
	if vs == nil {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = wire(v)
	}
	return out
}

func wireStrings(m map[string]string) map[string]string   { return wireMap(m, wire) }
func wireLists(m map[string][]string) map[string][]string { return wireMap(m, wireList) }

// cloneLists is a copy of m whose lists are copies too, all held in one
// array (each list capped at its length, so appending to one copies it).
func cloneLists(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	n := 0
	for _, vs := range m {
		n += len(vs)
	}
	all := make([]string, 0, n)
	out := make(map[string][]string, len(m))
	for k, vs := range m {
		if vs == nil {
			out[k] = nil
			continue
		}
		start := len(all)
		all = append(all, vs...)
		out[k] = all[start:len(all):len(all)]
	}
	return out
}
