package accesstoken

import (
	"unicode/utf16"
	"unicode/utf8"
)

// A strict reader for the two flat JSON objects of a token. It accepts only
// the members it knows, each at most once, with the expected value types;
// strings must be valid UTF-8 with valid escapes, numbers non-negative
// integers of at most maxDigits digits. It never recurses, so hostile nesting
// costs nothing, and unescaped strings are returned as substrings of the input.

const maxDigits = 15 // 10^15 s is 31 million years: enough for any NumericDate

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

// str reads a JSON string.
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

// escaped finishes a string that contains escapes, from start (just after the
// opening quote); p.i is at the first backslash.
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

// uint reads a non-negative JSON integer: no sign, fraction, exponent or
// leading zero.
func (p *scanner) uint() (int64, bool) {
	p.ws()
	start := p.i
	var n int64
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		if p.i-start == maxDigits {
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

// header is the decoded JOSE header; has* tell which members were present.
type header struct {
	alg, kid, typ          string
	hasAlg, hasKid, hasTyp bool
}

// parseHeader reads a JSON object whose only members are alg, kid and typ,
// each a string and each at most once.
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
			case "kid":
				dst, seen = &h.kid, &h.hasKid
			case "typ":
				dst, seen = &h.typ, &h.hasTyp
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

// Claim bits, to reject duplicates and tell which claims were present.
const (
	cIss uint16 = 1 << iota
	cSub
	cAud
	cExp
	cIat
	cNbf
	cJti
	cScope
	cClientID
	cSid
	cCnf
)

// parsedClaims is the result of parseClaims.
type parsedClaims struct {
	Claims
	present uint16
	audOK   bool // aud is wantAud, or an array that contains it
}

// parseClaims reads the claims object strictly and notes whether aud
// contains wantAud.
func parseClaims(s, wantAud string) (parsedClaims, error) {
	var c parsedClaims
	p := scanner{s: s}
	if !p.next('{') {
		return c, errClaimsJSON
	}
	if p.next('}') {
		if !p.end() {
			return c, errClaimsJSON
		}
		return c, nil
	}
	for {
		name, ok := p.str()
		if !ok || !p.next(':') {
			return c, errClaimsJSON
		}
		var bit uint16
		var str *string
		var num *int64
		switch name {
		case "iss":
			bit, str = cIss, &c.Issuer
		case "sub":
			bit, str = cSub, &c.Subject
		case "aud":
			bit = cAud
		case "exp":
			bit, num = cExp, &c.ExpiresAt
		case "iat":
			bit, num = cIat, &c.IssuedAt
		case "nbf":
			bit, num = cNbf, &c.NotBefore
		case "jti":
			bit, str = cJti, &c.ID
		case "scope":
			bit, str = cScope, &c.Scope
		case "client_id":
			bit, str = cClientID, &c.ClientID
		case "sid":
			bit, str = cSid, &c.SessionID
		case "cnf":
			bit = cCnf
		default:
			return c, errClaimsMember
		}
		if c.present&bit != 0 {
			return c, errClaimsDup
		}
		c.present |= bit
		switch {
		case str != nil:
			if *str, ok = p.str(); !ok {
				return c, errClaimsJSON
			}
		case num != nil:
			if *num, ok = p.uint(); !ok {
				return c, errClaimsJSON
			}
		case bit == cAud:
			if err := p.audience(&c, wantAud); err != nil {
				return c, err
			}
		case bit == cCnf:
			cnf, err := p.confirmation()
			if err != nil {
				return c, err
			}
			c.Confirmation = &cnf
		}
		if p.next(',') {
			continue
		}
		if p.next('}') {
			break
		}
		return c, errClaimsJSON
	}
	if !p.end() {
		return c, errClaimsJSON
	}
	return c, nil
}

// audience reads aud as a string or an array of strings.
func (p *scanner) audience(c *parsedClaims, want string) error {
	if p.peek() != '[' {
		v, ok := p.str()
		if !ok {
			return errClaimsJSON
		}
		c.Audience, c.audOK = v, v == want
		return nil
	}
	p.i++
	if p.next(']') {
		return nil
	}
	for {
		v, ok := p.str()
		if !ok {
			return errClaimsJSON
		}
		if v == want {
			c.Audience, c.audOK = v, true
		}
		if p.next(',') {
			continue
		}
		if p.next(']') {
			return nil
		}
		return errClaimsJSON
	}
}

// confirmation reads cnf: an object whose only member is x5t#S256.
func (p *scanner) confirmation() (Confirmation, error) {
	var cnf Confirmation
	if !p.next('{') {
		return cnf, errClaimsJSON
	}
	if p.next('}') {
		return cnf, nil
	}
	seen := false
	for {
		name, ok := p.str()
		if !ok || !p.next(':') {
			return cnf, errClaimsJSON
		}
		if name != "x5t#S256" {
			return cnf, errClaimsMember
		}
		if seen {
			return cnf, errClaimsDup
		}
		seen = true
		if cnf.X5tS256, ok = p.str(); !ok {
			return cnf, errClaimsJSON
		}
		if p.next(',') {
			continue
		}
		if p.next('}') {
			return cnf, nil
		}
		return cnf, errClaimsJSON
	}
}
