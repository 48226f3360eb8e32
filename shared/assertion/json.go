package assertion

import (
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A strict reader for the two JSON objects of an assertion. Strings must be
// valid UTF-8 with valid escapes; a member name may appear once per object
// (compared after unescaping), at every depth; values of claims it does not
// know are checked as JSON (nested at most maxDepth deep) and skipped.

const maxDepth = 16

type scanner struct {
	s string
	i int
}

func (p *scanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips whitespace and consumes c if it comes next.
func (p *scanner) next(c byte) bool {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (p *scanner) peek() byte {
	p.ws()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// end reports whether only whitespace is left.
func (p *scanner) end() bool {
	p.ws()
	return p.i == len(p.s)
}

// str reads a JSON string and returns it unescaped.
func (p *scanner) str() (string, bool) {
	if !p.next('"') {
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

// escaped finishes a string that contains escapes, from start (just after
// the opening quote); p.i is at the first backslash.
func (p *scanner) escaped(start int) (string, bool) {
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

func (p *scanner) hex4() (rune, bool) {
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

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number reads a JSON number (RFC 8259 grammar) and returns its text.
func (p *scanner) number() (string, bool) {
	p.ws()
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

// literal consumes word if it comes next.
func (p *scanner) literal(word string) bool {
	if len(p.s)-p.i >= len(word) && p.s[p.i:p.i+len(word)] == word {
		p.i += len(word)
		return true
	}
	return false
}

// skip checks and skips any JSON value; depth counts the enclosing
// containers.
func (p *scanner) skip(depth int) error {
	switch p.peek() {
	case '"':
		if _, ok := p.str(); !ok {
			return errClaimsJSON
		}
	case '{':
		if depth >= maxDepth {
			return errDepth
		}
		p.i++
		return p.members(func(string) error { return p.skip(depth + 1) })
	case '[':
		if depth >= maxDepth {
			return errDepth
		}
		p.i++
		if p.next(']') {
			return nil
		}
		for {
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			if p.next(',') {
				continue
			}
			if p.next(']') {
				return nil
			}
			return errClaimsJSON
		}
	case 't':
		if !p.literal("true") {
			return errClaimsJSON
		}
	case 'f':
		if !p.literal("false") {
			return errClaimsJSON
		}
	case 'n':
		if !p.literal("null") {
			return errClaimsJSON
		}
	default:
		if _, ok := p.number(); !ok {
			return errClaimsJSON
		}
	}
	return nil
}

// members reads the members of an object whose '{' was consumed, up to and
// including its '}', calling value for each after its name and colon. Names
// must be unique.
func (p *scanner) members(value func(name string) error) error {
	if p.next('}') {
		return nil
	}
	var seen map[string]struct{}
	var first string
	for n := 0; ; n++ {
		name, ok := p.str()
		if !ok || !p.next(':') {
			return errClaimsJSON
		}
		switch {
		case n == 0:
			first = name
		case seen == nil:
			if name == first {
				return errClaimsDup
			}
			seen = map[string]struct{}{first: {}, name: {}}
		default:
			if _, dup := seen[name]; dup {
				return errClaimsDup
			}
			seen[name] = struct{}{}
		}
		if err := value(name); err != nil {
			return err
		}
		if p.next(',') {
			continue
		}
		if p.next('}') {
			return nil
		}
		return errClaimsJSON
	}
}

// header is the decoded JOSE header; has* tell which members were present.
type header struct {
	alg, typ, kid, x5t           string
	hasAlg, hasTyp, hasKid, has5 bool
}

// parseHeader reads a JSON object whose only members are alg, typ, kid and
// x5t#S256, each a string and each at most once.
func parseHeader(s string) (header, error) {
	var h header
	p := scanner{s: s}
	if !p.next('{') {
		return h, errHeaderJSON
	}
	if !p.next('}') {
		for {
			name, ok := p.str()
			if !ok || !p.next(':') {
				return h, errHeaderJSON
			}
			var dst *string
			var seen *bool
			switch name {
			case "alg":
				dst, seen = &h.alg, &h.hasAlg
			case "typ":
				dst, seen = &h.typ, &h.hasTyp
			case "kid":
				dst, seen = &h.kid, &h.hasKid
			case "x5t#S256":
				dst, seen = &h.x5t, &h.has5
			default:
				return h, errHeaderMember
			}
			if *seen {
				return h, errHeaderDup
			}
			*seen = true
			if *dst, ok = p.str(); !ok {
				return h, errHeaderJSON
			}
			if p.next(',') {
				continue
			}
			if p.next('}') {
				break
			}
			return h, errHeaderJSON
		}
	}
	if !p.end() {
		return h, errHeaderJSON
	}
	return h, nil
}

// Claim bits, to tell which registered claims were present.
const (
	cIss uint8 = 1 << iota
	cSub
	cAud
	cExp
	cIat
	cNbf
	cJti
)

// rawClaims are the registered claims as read; dates are whole seconds
// (fractions dropped).
type rawClaims struct {
	iss, sub, jti string
	aud           []string // a string aud is one element
	exp, iat, nbf int64
	present       uint8
	audIsArray    bool
}

// maxDate bounds NumericDates (year 33658): they stay exact in float64 and
// far from time.Time's limits.
const maxDate = 1e12

// parseClaims reads the claims object strictly. Registered claims of the
// wrong type are ErrClaims; other claims are checked as JSON and ignored.
func parseClaims(s string) (rawClaims, error) {
	var c rawClaims
	p := scanner{s: s}
	if !p.next('{') {
		return c, errClaimsJSON
	}
	err := p.members(func(name string) error {
		var str *string
		var num *int64
		var bit uint8
		switch name {
		case "iss":
			bit, str = cIss, &c.iss
		case "sub":
			bit, str = cSub, &c.sub
		case "jti":
			bit, str = cJti, &c.jti
		case "exp":
			bit, num = cExp, &c.exp
		case "iat":
			bit, num = cIat, &c.iat
		case "nbf":
			bit, num = cNbf, &c.nbf
		case "aud":
			c.present |= cAud
			return p.audience(&c)
		default:
			return p.skip(1)
		}
		c.present |= bit
		if str != nil {
			if p.peek() != '"' {
				return errClaimType
			}
			v, ok := p.str()
			if !ok {
				return errClaimsJSON
			}
			*str = v
			return nil
		}
		if c := p.peek(); c != '-' && !isDigit(c) {
			return errClaimType
		}
		text, ok := p.number()
		if !ok {
			return errClaimsJSON
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || f < 0 || f > maxDate {
			return errDate
		}
		*num = int64(math.Floor(f))
		return nil
	})
	if err != nil {
		return rawClaims{}, err
	}
	if !p.end() {
		return rawClaims{}, errClaimsJSON
	}
	return c, nil
}

// audience reads aud: a string, or an array of strings.
func (p *scanner) audience(c *rawClaims) error {
	switch p.peek() {
	case '"':
		v, ok := p.str()
		if !ok {
			return errClaimsJSON
		}
		c.aud = []string{v}
		return nil
	case '[':
		p.i++
	default:
		return errClaimType
	}
	c.audIsArray = true
	c.aud = []string{}
	if p.next(']') {
		return nil
	}
	for {
		if p.peek() != '"' {
			return errClaimType
		}
		v, ok := p.str()
		if !ok {
			return errClaimsJSON
		}
		c.aud = append(c.aud, v)
		if p.next(',') {
			continue
		}
		if p.next(']') {
			return nil
		}
		return errClaimsJSON
	}
}
