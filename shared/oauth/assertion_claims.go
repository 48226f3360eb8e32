package oauth

import (
	"crypto/x509"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxDate bounds NumericDates (year 33658): they stay exact in float64 and
// far from time.Time's limits.
const maxDate = 1e12

// assertionClaims are an assertion's claims as golang-jwt decodes and
// validates them. Decoding is strict JSON (assertionJWS); a registered claim
// of the wrong type is ErrAssertionClaims, other claims are ignored. A
// decoding failure is kept and reported from Validate, so that, as with any
// claim rule, an assertion whose signature does not verify is refused for
// its signature.
type assertionClaims struct {
	iss, sub, jti string
	aud           jwt.ClaimStrings // a string aud is one element
	exp, iat, nbf *jwt.NumericDate // whole seconds, fractions dropped; nil when absent
	err           error            // the first decoding or rule failure

	// What Validate checks them against.
	v      *AssertionVerifier
	cert   *x509.Certificate
	now    time.Time
	leeway time.Duration
}

// UnmarshalJSON decodes the claims object.
func (c *assertionClaims) UnmarshalJSON(data []byte) error {
	c.err = assertionJWS.Object(data, c.member)
	return nil
}

func (c *assertionClaims) member(name string, v []byte) error {
	switch name {
	case "iss":
		return claimString(v, &c.iss)
	case "sub":
		return claimString(v, &c.sub)
	case "jti":
		return claimString(v, &c.jti)
	case "aud":
		// A string, or an array of strings.
		if v[0] != '"' && v[0] != '[' || json.Unmarshal(v, &c.aud) != nil {
			return errClaimType
		}
	case "exp":
		return claimDate(v, &c.exp)
	case "iat":
		return claimDate(v, &c.iat)
	case "nbf":
		return claimDate(v, &c.nbf)
	}
	return nil
}

// claimString decodes a registered claim that must be a string.
func claimString(v []byte, dst *string) error {
	if v[0] != '"' {
		return errClaimType
	}
	return json.Unmarshal(v, dst)
}

// claimDate decodes a NumericDate: a number from 0 to maxDate, floored to
// whole seconds.
func claimDate(v []byte, dst **jwt.NumericDate) error {
	if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return errClaimType
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f < 0 || f > maxDate {
		return errDate
	}
	*dst = jwt.NewNumericDate(time.Unix(int64(math.Floor(f)), 0))
	return nil
}

// The jwt.Claims accessors golang-jwt's validator reads.
func (c *assertionClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.exp, nil }
func (c *assertionClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.iat, nil }
func (c *assertionClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.nbf, nil }
func (c *assertionClaims) GetIssuer() (string, error)                   { return c.iss, nil }
func (c *assertionClaims) GetSubject() (string, error)                  { return c.sub, nil }
func (c *assertionClaims) GetAudience() (jwt.ClaimStrings, error)       { return c.aud, nil }

// Validate applies, after the signature verified, what golang-jwt does not
// check: the certificate's dates, the decoding failure, iss equal to sub,
// aud exactly one accepted audience, jti, and exp within MaxLifetime.
func (c *assertionClaims) Validate() error {
	lifetime := c.v.MaxLifetime
	if lifetime == 0 {
		lifetime = DefaultAssertionLifetime
	}
	switch {
	case c.now.After(c.cert.NotAfter.Add(c.leeway)):
		c.err = errCertExpired
	case c.now.Before(c.cert.NotBefore.Add(-c.leeway)):
		c.err = errCertNotValid
	case c.err != nil:
	case c.iss == "" || c.iss != c.sub:
		c.err = errIssSub
	case len(c.aud) != 1 || !slices.Contains(c.v.Audiences, c.aud[0]):
		c.err = errAud
	case c.jti == "" || len(c.jti) > MaxAssertionIDLen:
		c.err = errJti
	case c.exp != nil && c.exp.After(c.now.Add(lifetime+c.leeway)):
		c.err = errExpFar
	}
	return c.err
}

// claims are the verified claims.
func (c *assertionClaims) claims() AssertionClaims {
	out := AssertionClaims{Issuer: c.iss, Subject: c.sub, ID: c.jti, ExpiresAt: c.exp.UTC()} // exp is required
	if c.iat != nil {
		out.IssuedAt = c.iat.UTC()
	}
	return out
}
