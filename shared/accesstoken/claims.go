package accesstoken

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxDateDigits is the most digits a NumericDate may have: 10^15 s is 31
// million years, and far from overflowing an int64.
const maxDateDigits = 15

// maxDepth is how deep a token's JSON may nest: cnf and an aud array are
// the only containers in it.
const maxDepth = 2

// tokenJWS reads tokens strictly before golang-jwt parses them.
var tokenJWS = NewJWSReader(ErrMalformed, MaxTokenLen, maxDepth, "alg", "kid", "typ")

// tokenDecoder reads registered claims strictly: strings as strings and
// NumericDates as integers.
var tokenDecoder = ClaimDecoder{ErrType: errClaimsJSON, Date: date}

// tokenClaims are Claims as golang-jwt decodes and validates them. Decoding
// is strict: only the claims Claims holds, each at most once, as
// tokenDecoder reads them. A decoding failure is kept and reported from
// Validate, so that, as with any claim rule, a token whose signature does
// not verify is refused for its signature.
type tokenClaims struct {
	jwt.RegisteredClaims
	scope, clientID, sid string
	cnf                  *Confirmation
	err                  error // the first decoding or rule failure
}

// UnmarshalJSON decodes the claims object.
func (c *tokenClaims) UnmarshalJSON(data []byte) error {
	c.err = tokenJWS.Object(data, c.member)
	return nil
}

func (c *tokenClaims) member(name string, v []byte) error {
	if ok, err := tokenDecoder.Registered(&c.RegisteredClaims, name, v); ok {
		return err
	}
	switch name {
	case "scope":
		return tokenDecoder.String(v, &c.scope)
	case "client_id":
		return tokenDecoder.String(v, &c.clientID)
	case "sid":
		return tokenDecoder.String(v, &c.sid)
	case "cnf":
		c.cnf = &Confirmation{}
		return tokenJWS.Object(v, func(name string, v []byte) error {
			switch name {
			case "x5t#S256":
				return tokenDecoder.String(v, &c.cnf.X5tS256)
			case "jkt":
				return tokenDecoder.String(v, &c.cnf.JKT)
			}
			return errClaimsMember
		})
	}
	return errClaimsMember
}

// date decodes a NumericDate: a non-negative integer of at most
// maxDateDigits digits (no sign, fraction or exponent).
func date(v []byte) (*jwt.NumericDate, error) {
	if len(v) > maxDateDigits {
		return nil, errClaimsJSON
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return nil, errClaimsJSON
		}
		n = n*10 + int64(c-'0')
	}
	return jwt.NewNumericDate(time.Unix(n, 0)), nil
}

// Validate applies, after the signature verified, the decoding failure and
// the rules golang-jwt lacks: iat, sub, jti and sid present, cnf with
// exactly one thumbprint (x5t#S256 or jkt).
func (c *tokenClaims) Validate() error {
	switch {
	case c.err != nil:
	case c.IssuedAt == nil:
		c.err = errMissingIat
	case c.Subject == "":
		c.err = errSub
	case c.ID == "":
		c.err = errJti
	case c.sid == "":
		c.err = errSid
	case c.cnf != nil && !c.cnf.bound():
		c.err = errCnf
	}
	return c.err
}

// claims are the verified claims, aud being the one value Verify accepted.
func (c *tokenClaims) claims(aud string) Claims {
	out := Claims{Issuer: c.Issuer, Subject: c.Subject, Audience: aud, ExpiresAt: c.ExpiresAt.Unix(), // exp and iat are required
		IssuedAt: c.IssuedAt.Unix(), ID: c.ID, Scope: c.scope, ClientID: c.clientID, SessionID: c.sid, Confirmation: c.cnf}
	if c.NotBefore != nil {
		out.NotBefore = c.NotBefore.Unix()
	}
	return out
}
