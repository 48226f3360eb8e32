package oauth

import (
	"crypto/x509"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tollgate/tollgate/shared/accesstoken"
)

// maxDate bounds NumericDates (year 33658): they stay exact in float64 and
// far from time.Time's limits.
const maxDate = 1e12

// assertionDecoder reads registered claims of the wrong JSON type as
// ErrAssertionClaims, and NumericDates as any number in range.
var assertionDecoder = accesstoken.ClaimDecoder{ErrType: errClaimType, Date: claimDate}

// assertionClaims are an assertion's claims as golang-jwt decodes and
// validates them. Decoding is strict JSON (assertionJWS); registered claims
// are read by assertionDecoder, other claims are ignored. A decoding failure
// is kept and reported from Validate, so that, as with any claim rule, an
// assertion whose signature does not verify is refused for its signature.
type assertionClaims struct {
	jwt.RegisteredClaims       // dates in whole seconds, fractions dropped
	err                  error // the first decoding or rule failure

	// What Validate checks them against.
	v      *AssertionVerifier
	cert   *x509.Certificate
	now    time.Time
	leeway time.Duration
}

// UnmarshalJSON decodes the claims object.
func (c *assertionClaims) UnmarshalJSON(data []byte) error {
	c.err = assertionJWS.Object(data, func(name string, v []byte) error {
		_, err := assertionDecoder.Registered(&c.RegisteredClaims, name, v)
		return err
	})
	return nil
}

// claimDate decodes a NumericDate: a number from 0 to maxDate, floored to
// whole seconds.
func claimDate(v []byte) (*jwt.NumericDate, error) {
	if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return nil, errClaimType
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f < 0 || f > maxDate {
		return nil, errDate
	}
	return jwt.NewNumericDate(time.Unix(int64(math.Floor(f)), 0)), nil
}

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
	case c.Issuer == "" || c.Issuer != c.Subject:
		c.err = errIssSub
	case len(c.Audience) != 1 || !slices.Contains(c.v.Audiences, c.Audience[0]):
		c.err = errAud
	case c.ID == "" || len(c.ID) > MaxAssertionIDLen:
		c.err = errJti
	case c.ExpiresAt != nil && c.ExpiresAt.After(c.now.Add(lifetime+c.leeway)):
		c.err = errExpFar
	}
	return c.err
}

// claims are the verified claims.
func (c *assertionClaims) claims() AssertionClaims {
	out := AssertionClaims{Issuer: c.Issuer, Subject: c.Subject, ID: c.ID, ExpiresAt: c.ExpiresAt.UTC()} // exp is required
	if c.IssuedAt != nil {
		out.IssuedAt = c.IssuedAt.UTC()
	}
	return out
}
