package accesstoken

import (
	"encoding/json"
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

// tokenClaims are Claims as golang-jwt decodes and validates them. Decoding
// is strict: only the claims Claims holds, each at most once, strings as
// strings and NumericDates as integers. A decoding failure is kept and
// reported from Validate, so that, as with any claim rule, a token whose
// signature does not verify is refused for its signature.
type tokenClaims struct {
	Claims
	aud           jwt.ClaimStrings
	exp, iat, nbf *jwt.NumericDate // nil when absent
	err           error            // the first decoding or rule failure
}

// UnmarshalJSON decodes the claims object.
func (c *tokenClaims) UnmarshalJSON(data []byte) error {
	c.err = tokenJWS.Object(data, c.member)
	return nil
}

func (c *tokenClaims) member(name string, v []byte) error {
	switch name {
	case "iss":
		return str(v, &c.Issuer)
	case "sub":
		return str(v, &c.Subject)
	case "jti":
		return str(v, &c.ID)
	case "scope":
		return str(v, &c.Scope)
	case "client_id":
		return str(v, &c.ClientID)
	case "sid":
		return str(v, &c.SessionID)
	case "aud":
		if v[0] == '"' {
			c.aud = jwt.ClaimStrings{unquote(v)}
		} else if v[0] != '[' || json.Unmarshal(v, &c.aud) != nil {
			return errClaimsJSON
		}
		return nil
	case "exp":
		return date(v, &c.ExpiresAt, &c.exp)
	case "iat":
		return date(v, &c.IssuedAt, &c.iat)
	case "nbf":
		return date(v, &c.NotBefore, &c.nbf)
	case "cnf":
		c.Confirmation = &Confirmation{}
		return tokenJWS.Object(v, func(name string, v []byte) error {
			if name != "x5t#S256" {
				return errClaimsMember
			}
			return str(v, &c.Confirmation.X5tS256)
		})
	}
	return errClaimsMember
}

// str decodes a JSON string.
func str(v []byte, dst *string) error {
	if v[0] != '"' {
		return errClaimsJSON
	}
	*dst = unquote(v)
	return nil
}

// date decodes a NumericDate: a non-negative integer of at most
// maxDateDigits digits (no sign, fraction or exponent).
func date(v []byte, sec *int64, dst **jwt.NumericDate) error {
	if len(v) > maxDateDigits {
		return errClaimsJSON
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return errClaimsJSON
		}
		n = n*10 + int64(c-'0')
	}
	*sec, *dst = n, jwt.NewNumericDate(time.Unix(n, 0))
	return nil
}

// The jwt.Claims accessors golang-jwt's validator reads.
func (c *tokenClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.exp, nil }
func (c *tokenClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.iat, nil }
func (c *tokenClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.nbf, nil }
func (c *tokenClaims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *tokenClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *tokenClaims) GetAudience() (jwt.ClaimStrings, error)       { return c.aud, nil }

// Validate applies, after the signature verified, the decoding failure and
// the rules golang-jwt lacks: iat, sub, jti and sid present, cnf with a
// thumbprint.
func (c *tokenClaims) Validate() error {
	switch {
	case c.err != nil:
	case c.iat == nil:
		c.err = errMissingIat
	case c.Subject == "":
		c.err = errSub
	case c.ID == "":
		c.err = errJti
	case c.SessionID == "":
		c.err = errSid
	case c.Confirmation != nil && c.Confirmation.X5tS256 == "":
		c.err = errCnf
	}
	return c.err
}
