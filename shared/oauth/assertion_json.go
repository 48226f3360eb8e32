package oauth

import (
	"math"
	"strconv"

	"github.com/tollgate/tollgate/shared/jose"
)

// A strict reader for the two JSON objects of an assertion, on jose.Scanner.
// Strings must be valid UTF-8 with valid escapes; a member name may appear
// once per object (compared after unescaping), at every depth; values of
// claims it does not know are checked as JSON (nested at most maxDepth deep)
// and skipped.

const maxDepth = 16

// scanner adds depth-limited skipping and unique-member objects to
// jose.Scanner.
type scanner struct{ jose.Scanner }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skip checks and skips any JSON value; depth counts the enclosing
// containers.
func (p *scanner) skip(depth int) error {
	switch p.Peek() {
	case '"':
		if _, ok := p.Str(); !ok {
			return errClaimsJSON
		}
	case '{':
		if depth >= maxDepth {
			return errDepth
		}
		p.Next('{') // Peek saw it
		return p.members(func(string) error { return p.skip(depth + 1) })
	case '[':
		if depth >= maxDepth {
			return errDepth
		}
		p.Next('[') // Peek saw it
		if p.Next(']') {
			return nil
		}
		for {
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			if p.Next(',') {
				continue
			}
			if p.Next(']') {
				return nil
			}
			return errClaimsJSON
		}
	case 't':
		if !p.Literal("true") {
			return errClaimsJSON
		}
	case 'f':
		if !p.Literal("false") {
			return errClaimsJSON
		}
	case 'n':
		if !p.Literal("null") {
			return errClaimsJSON
		}
	default:
		if _, ok := p.Number(); !ok {
			return errClaimsJSON
		}
	}
	return nil
}

// members reads the members of an object whose '{' was consumed, up to and
// including its '}', calling value for each after its name and colon. Names
// must be unique.
func (p *scanner) members(value func(name string) error) error {
	if p.Next('}') {
		return nil
	}
	var seen map[string]struct{}
	var first string
	for n := 0; ; n++ {
		name, ok := p.Str()
		if !ok || !p.Next(':') {
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
		if p.Next(',') {
			continue
		}
		if p.Next('}') {
			return nil
		}
		return errClaimsJSON
	}
}

// header is the decoded JOSE header; has* tell which members were present.
type assertionHeader struct {
	alg, typ, kid, x5t           string
	hasAlg, hasTyp, hasKid, has5 bool
}

// parseHeader reads a JSON object whose only members are alg, typ, kid and
// x5t#S256, each a string and each at most once.
func parseHeader(s string) (assertionHeader, error) {
	var h assertionHeader
	m := jose.NewMembers(s)
	for m.Next() {
		var dst *string
		var seen *bool
		switch m.Name() {
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
		var ok bool
		if *dst, ok = m.Value(); !ok {
			return h, errHeaderJSON
		}
	}
	if !m.OK() {
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
// wrong type are ErrAssertionClaims; other claims are checked as JSON and ignored.
func parseClaims(s string) (rawClaims, error) {
	var c rawClaims
	p := scanner{jose.NewScanner(s)}
	if !p.Next('{') {
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
			if p.Peek() != '"' {
				return errClaimType
			}
			v, ok := p.Str()
			if !ok {
				return errClaimsJSON
			}
			*str = v
			return nil
		}
		if c := p.Peek(); c != '-' && !isDigit(c) {
			return errClaimType
		}
		text, ok := p.Number()
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
	if !p.End() {
		return rawClaims{}, errClaimsJSON
	}
	return c, nil
}

// audience reads aud: a string, or an array of strings.
func (p *scanner) audience(c *rawClaims) error {
	switch p.Peek() {
	case '"':
		v, ok := p.Str()
		if !ok {
			return errClaimsJSON
		}
		c.aud = []string{v}
		return nil
	case '[':
		p.Next('[') // Peek saw it
	default:
		return errClaimType
	}
	c.audIsArray = true
	c.aud = []string{}
	if p.Next(']') {
		return nil
	}
	for {
		if p.Peek() != '"' {
			return errClaimType
		}
		v, ok := p.Str()
		if !ok {
			return errClaimsJSON
		}
		c.aud = append(c.aud, v)
		if p.Next(',') {
			continue
		}
		if p.Next(']') {
			return nil
		}
		return errClaimsJSON
	}
}
