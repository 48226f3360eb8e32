package accesstoken

import "github.com/tollgate/tollgate/shared/jose"

// A strict reader for the two flat JSON objects of a token, on jose.Scanner.
// It accepts only the members it knows, each at most once, with the expected
// value types; strings must be valid UTF-8 with valid escapes, numbers
// non-negative integers of at most jose.MaxUintDigits digits.

// scanner adds the token's compound claims (aud, cnf) to jose.Scanner.
type scanner struct{ jose.Scanner }

// header is the decoded JOSE header; has* tell which members were present.
type header struct {
	alg, kid, typ          string
	hasAlg, hasKid, hasTyp bool
}

// parseHeader reads a JSON object whose only members are alg, kid and typ,
// each a string and each at most once.
func parseHeader(s string) (header, error) {
	var h header
	m := jose.NewMembers(s)
	for m.Next() {
		var dst *string
		var seen *bool
		switch m.Name() {
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
	p := scanner{jose.NewScanner(s)}
	if !p.Next('{') {
		return c, errClaimsJSON
	}
	if p.Next('}') {
		if !p.End() {
			return c, errClaimsJSON
		}
		return c, nil
	}
	for {
		name, ok := p.Str()
		if !ok || !p.Next(':') {
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
			if *str, ok = p.Str(); !ok {
				return c, errClaimsJSON
			}
		case num != nil:
			if *num, ok = p.Uint(); !ok {
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
		if p.Next(',') {
			continue
		}
		if p.Next('}') {
			break
		}
		return c, errClaimsJSON
	}
	if !p.End() {
		return c, errClaimsJSON
	}
	return c, nil
}

// audience reads aud as a string or an array of strings.
func (p *scanner) audience(c *parsedClaims, want string) error {
	if p.Peek() != '[' {
		v, ok := p.Str()
		if !ok {
			return errClaimsJSON
		}
		c.Audience, c.audOK = v, v == want
		return nil
	}
	p.Next('[') // Peek saw it
	if p.Next(']') {
		return nil
	}
	for {
		v, ok := p.Str()
		if !ok {
			return errClaimsJSON
		}
		if v == want {
			c.Audience, c.audOK = v, true
		}
		if p.Next(',') {
			continue
		}
		if p.Next(']') {
			return nil
		}
		return errClaimsJSON
	}
}

// confirmation reads cnf: an object whose only member is x5t#S256.
func (p *scanner) confirmation() (Confirmation, error) {
	var cnf Confirmation
	if !p.Next('{') {
		return cnf, errClaimsJSON
	}
	if p.Next('}') {
		return cnf, nil
	}
	seen := false
	for {
		name, ok := p.Str()
		if !ok || !p.Next(':') {
			return cnf, errClaimsJSON
		}
		if name != "x5t#S256" {
			return cnf, errClaimsMember
		}
		if seen {
			return cnf, errClaimsDup
		}
		seen = true
		if cnf.X5tS256, ok = p.Str(); !ok {
			return cnf, errClaimsJSON
		}
		if p.Next(',') {
			continue
		}
		if p.Next('}') {
			return cnf, nil
		}
		return cnf, errClaimsJSON
	}
}
