package accesstoken

import (
	"encoding/json"
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

// ClaimDecoder decodes the registered claims of a claims object a JWSReader
// has checked into jwt.RegisteredClaims, which golang-jwt's validator reads.
// The verifiers differ in how strictly they read a NumericDate, so each
// brings its own.
type ClaimDecoder struct {
	ErrType error                                    // returned for a claim of the wrong JSON type
	Date    func(v []byte) (*jwt.NumericDate, error) // decodes exp, iat and nbf
}

// Registered decodes the member name, of raw JSON value v, into r if it is a
// registered claim, and reports whether it was one. A string aud is one
// element; an array aud must hold only strings.
func (d *ClaimDecoder) Registered(r *jwt.RegisteredClaims, name string, v []byte) (bool, error) {
	var err error
	switch name {
	case "iss":
		err = d.String(v, &r.Issuer)
	case "sub":
		err = d.String(v, &r.Subject)
	case "jti":
		err = d.String(v, &r.ID)
	case "aud":
		if v[0] == '"' {
			r.Audience = jwt.ClaimStrings{unquote(v)}
		} else if v[0] != '[' || json.Unmarshal(v, &r.Audience) != nil {
			err = d.ErrType
		}
	case "exp":
		r.ExpiresAt, err = d.Date(v)
	case "iat":
		r.IssuedAt, err = d.Date(v)
	case "nbf":
		r.NotBefore, err = d.Date(v)
	default:
		return false, nil
	}
	return true, err
}

// String decodes a claim that must be a JSON string.
func (d *ClaimDecoder) String(v []byte, dst *string) error {
	if v[0] != '"' {
		return d.ErrType
	}
	*dst = unquote(v)
	return nil
}

// LibErrors maps golang-jwt's errors to a verifier's own, first match first:
// the library reports every failed check at once, so the order ranks them.
type LibErrors []struct{ Lib, Ours error }

// Refusal is the verifier's error for err, golang-jwt's refusal of a token
// whose claims kept claimsErr (their own decoding or rule failure, or nil):
// claimsErr if the library found the claims invalid, else the first match,
// else unknown.
func (m LibErrors) Refusal(err, claimsErr, unknown error) error {
	if claimsErr != nil && errors.Is(err, jwt.ErrTokenInvalidClaims) {
		return claimsErr
	}
	for _, e := range m {
		if errors.Is(err, e.Lib) {
			return e.Ours
		}
	}
	return unknown
}
