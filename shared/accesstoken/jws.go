package accesstoken

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// JWSReader is the strict reading Tollgate's verifiers apply to a compact
// JWS before golang-jwt parses it, for what the library reads leniently or
// not at all: a length cap; three segments in the base64url alphabet (its
// decoder would skip \r and \n); a header of allowed members, each a string;
// and JSON objects (header and claims) with no member name twice, no invalid
// UTF-8 or unpaired surrogate escape (encoding/json keeps the last duplicate
// and reads those as U+FFFD) and no nesting past a set depth. It fetches
// nothing and is safe for concurrent use.
type JWSReader struct {
	maxLen, maxDepth int
	members          []string

	// Built once, so refusing hostile input allocates nothing.
	errTooLong, errShape, errHeader, errMember, errJSON, errDup, errDepth error
}

// NewJWSReader returns a reader of tokens up to maxLen bytes with JSON nested
// at most maxDepth deep (the top-level object's members are at depth 1) and
// header members from members; its errors wrap sentinel.
func NewJWSReader(sentinel error, maxLen, maxDepth int, members ...string) *JWSReader {
	return &JWSReader{
		maxLen: maxLen, maxDepth: maxDepth, members: members,
		errTooLong: fmt.Errorf("%w: longer than %d bytes", sentinel, maxLen),
		errShape:   fmt.Errorf("%w: not three segments of strict base64url", sentinel),
		errHeader:  fmt.Errorf("%w: header is not a JSON object of strings", sentinel),
		errMember:  fmt.Errorf("%w: header member not allowed (only %s)", sentinel, strings.Join(members, ", ")),
		errJSON:    fmt.Errorf("%w: not a valid JSON object", sentinel),
		errDup:     fmt.Errorf("%w: duplicate JSON member", sentinel),
		errDepth:   fmt.Errorf("%w: JSON nested too deeply", sentinel),
	}
}

// b64Strict decodes base64url without padding and with zero trailing bits.
var b64Strict = b64.Strict()

// b64url marks the base64url alphabet.
var b64url = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// Header checks the token's shape and returns its header's members. Only the
// header is decoded (golang-jwt decodes the rest, strictly) and nothing is
// verified: the caller decides on alg, kid and the rest before it lets
// golang-jwt check the signature.
func (r *JWSReader) Header(token string) (map[string]string, error) {
	if len(token) > r.maxLen {
		return nil, r.errTooLong
	}
	dots := 0
	for i := 0; i < len(token); i++ {
		if token[i] == '.' {
			dots++
		} else if !b64url[token[i]] {
			return nil, r.errShape
		}
	}
	if dots != 2 {
		return nil, r.errShape
	}
	hdr, err := b64Strict.DecodeString(token[:strings.IndexByte(token, '.')])
	if err != nil {
		return nil, r.errShape
	}
	h := make(map[string]string, len(r.members))
	err = r.Object(hdr, func(name string, value []byte) error {
		if !slices.Contains(r.members, name) {
			return r.errMember
		}
		if value[0] != '"' {
			return r.errHeader
		}
		h[name] = unquote(value)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Object checks that data is exactly one JSON object as JWSReader says, and
// calls member with each of its members' names and raw values, in order.
func (r *JWSReader) Object(data []byte, member func(name string, value []byte) error) error {
	if !json.Valid(data) || data[nextNonSpace(data, 0)] != '{' || !utf8.Valid(data) || loneSurrogate(data) {
		return r.errJSON
	}
	// Valid JSON: strings can be skipped to their closing quote, a string
	// followed by a colon is a name, and a comma or the last brace at the
	// top level ends a member's value.
	var stack [4]map[string]bool
	open := stack[:0] // the containers around i: names of an object, nil for an array
	var name string
	start := -1 // where the top-level member's value starts
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			if len(open) >= r.maxDepth { // the depth of the container opening here
				return r.errDepth
			}
			var names map[string]bool
			if c == '{' {
				names = make(map[string]bool)
			}
			open = append(open, names)
		case ',', '}', ']':
			if len(open) == 1 && start >= 0 {
				if err := member(name, bytes.TrimRight(data[start:i], " \t\r\n")); err != nil {
					return err
				}
				start = -1
			}
			if c != ',' {
				open = open[:len(open)-1]
			}
		case ':':
			if len(open) == 1 {
				start = nextNonSpace(data, i+1)
			}
		case '"':
			end := stringEnd(data, i)
			if next := nextNonSpace(data, end+1); data[next] == ':' {
				n := unquote(data[i : end+1])
				if open[len(open)-1][n] {
					return r.errDup
				}
				open[len(open)-1][n] = true
				if len(open) == 1 {
					name = n
				}
			}
			i = end
		}
	}
	return nil
}

// stringEnd is the index of the quote that closes the string opening at
// data[i], in valid JSON.
func stringEnd(data []byte, i int) int {
	for i++; data[i] != '"'; i++ {
		if data[i] == '\\' {
			i++
		}
	}
	return i
}

// nextNonSpace is the index of the first byte from i on that is not JSON
// whitespace, in valid JSON where one follows.
func nextNonSpace(data []byte, i int) int {
	for isSpace(data[i]) {
		i++
	}
	return i
}

// isSpace reports JSON whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// unquote is the text of a valid JSON string.
func unquote(s []byte) string {
	if bytes.IndexByte(s, '\\') < 0 {
		return string(s[1 : len(s)-1])
	}
	var v string
	_ = json.Unmarshal(s, &v)
	return v
}

// loneSurrogate reports a \u escape of a UTF-16 surrogate that is not a high
// one followed by an escaped low one.
func loneSurrogate(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++ // the escaped byte, so an escaped backslash starts no escape
		switch r := escapedUnit(b, i); {
		case !utf16.IsSurrogate(r):
		case r >= 0xDC00 || i+5 >= len(b) || b[i+5] != '\\':
			return true
		case utf16.DecodeRune(r, escapedUnit(b, i+6)) == utf8.RuneError:
			return true
		default:
			i += 10 // past the low surrogate's last digit
		}
	}
	return false
}

// escapedUnit is the UTF-16 code unit of the escape \uXXXX whose u is b[i],
// or -1.
func escapedUnit(b []byte, i int) rune {
	var v [2]byte
	if i+5 > len(b) || b[i] != 'u' {
		return -1
	}
	if _, err := hex.Decode(v[:], b[i+1:i+5]); err != nil {
		return -1
	}
	return rune(v[0])<<8 | rune(v[1])
}
