package jose

import (
	"unicode/utf16"
	"unicode/utf8"
)

// MaxUintDigits is the most digits Uint reads: 10^15 s is 31 million years,
// enough for any NumericDate, and far from overflowing an int64.
const MaxUintDigits = 15

// Scanner reads JSON tokens from a string, one call per token; callers build
// their strict object readers on it. It never recurses, so hostile nesting
// costs nothing, and strings without escapes are returned as substrings of
// the input. A failed read leaves the position unspecified: give up then.
type Scanner struct {
	s string
	i int
}

// NewScanner returns a Scanner at the start of s.
func NewScanner(s string) Scanner { return Scanner{s: s} }

// WS skips JSON whitespace.
func (p *Scanner) WS() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// Next skips whitespace and consumes c if it comes next.
func (p *Scanner) Next(c byte) bool {
	p.WS()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// Peek skips whitespace and returns the next byte, or 0 at the end.
func (p *Scanner) Peek() byte {
	p.WS()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// End reports whether only whitespace is left.
func (p *Scanner) End() bool {
	p.WS()
	return p.i == len(p.s)
}

// Str skips whitespace and reads a JSON string, returned unescaped. It
// refuses control characters, invalid escapes, unpaired surrogates and
// invalid UTF-8.
func (p *Scanner) Str() (string, bool) {
	if !p.Next('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			return v, utf8.ValidString(v)
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// escaped finishes a string that contains escapes, from start (just after the
// opening quote); p.i is at the first backslash.
func (p *Scanner) escaped(start int) (string, bool) {
	b := make([]byte, 0, len(p.s)-start)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), utf8.Valid(b)
		case c < 0x20:
			return "", false
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", false
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by an escaped low one is valid.
				if r >= 0xDC00 || p.i+1 >= len(p.s) || p.s[p.i] != '\\' || p.s[p.i+1] != 'u' {
					return "", false
				}
				p.i += 2
				r2, ok := p.hex4()
				if !ok {
					return "", false
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", false
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", false
		}
	}
	return "", false
}

func (p *Scanner) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, true
}

// Uint skips whitespace and reads a non-negative JSON integer of at most
// MaxUintDigits digits: no sign, fraction, exponent or leading zero.
func (p *Scanner) Uint() (int64, bool) {
	p.WS()
	start := p.i
	var n int64
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		if p.i-start == MaxUintDigits {
			return 0, false
		}
		n = n*10 + int64(p.s[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || (digits > 1 && p.s[start] == '0') {
		return 0, false
	}
	return n, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Number skips whitespace and reads a JSON number (RFC 8259 grammar),
// returning its text unconverted.
func (p *Scanner) Number() (string, bool) {
	p.WS()
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case p.i < len(p.s) && '1' <= p.s[p.i] && p.s[p.i] <= '9':
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
	default:
		return "", false
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if p.i == len(p.s) || !isDigit(p.s[p.i]) {
			return "", false
		}
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.i == len(p.s) || !isDigit(p.s[p.i]) {
			return "", false
		}
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
	}
	return p.s[start:p.i], true
}

// Literal consumes word if it comes next, without skipping whitespace first
// (call Peek to skip it).
func (p *Scanner) Literal(word string) bool {
	if len(p.s)-p.i >= len(word) && p.s[p.i:p.i+len(word)] == word {
		p.i += len(word)
		return true
	}
	return false
}
