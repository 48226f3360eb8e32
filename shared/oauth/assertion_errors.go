package oauth

import (
	"errors"
	"fmt"
)

// Errors returned by AssertionThumbprint and Verify, wrapped with a short reason; test
// with errors.Is. Their texts never contain the token or any part of it.
var (
	ErrAssertionMalformed = errors.New("assertion: malformed")
	ErrAssertionAlgorithm = errors.New("assertion: algorithm not allowed for the certificate's key")
	ErrAssertionSignature = errors.New("assertion: invalid signature")
	ErrAssertionExpired   = errors.New("assertion: expired")
	ErrAssertionClaims    = errors.New("assertion: invalid claims")
)

// Wrapped errors are built once, so refusing hostile input allocates little
// (those of the token's shape and JSON are assertionJWS's).
var (
	errNotConfigured = errors.New("assertion: AssertionVerifier needs Audiences (non-empty) and a non-negative MaxLifetime")
	errCertificate   = errors.New("assertion: unusable certificate (its DER, X5tS256 or key is not as certbind.Parse returns them)")

	errBase64     = fmt.Errorf("%w: not strict base64url without padding", ErrAssertionMalformed)
	errNoAlg      = fmt.Errorf("%w: header has no alg", ErrAssertionMalformed)
	errNoX5t      = fmt.Errorf("%w: header has no x5t#S256", ErrAssertionMalformed)
	errX5t        = fmt.Errorf("%w: x5t#S256 is not a base64url SHA-256", ErrAssertionMalformed)
	errTyp        = fmt.Errorf("%w: typ must be JWT", ErrAssertionMalformed)
	errClaimsJSON = fmt.Errorf("%w: claims are not a valid JSON object", ErrAssertionMalformed)

	errThumbprint = fmt.Errorf("%w: x5t#S256 is not the certificate's", ErrAssertionSignature)
	errSigVerify  = fmt.Errorf("%w: does not verify", ErrAssertionSignature)

	errCertExpired  = fmt.Errorf("%w: the certificate has expired", ErrAssertionExpired)
	errCertNotValid = fmt.Errorf("%w: the certificate is not yet valid", ErrAssertionExpired)
	errExp          = fmt.Errorf("%w: exp has passed", ErrAssertionExpired)

	errClaimType  = fmt.Errorf("%w: a registered claim has the wrong type", ErrAssertionClaims)
	errDate       = fmt.Errorf("%w: exp, iat or nbf is not a NumericDate", ErrAssertionClaims)
	errIssSub     = fmt.Errorf("%w: iss and sub must be present and equal", ErrAssertionClaims)
	errAud        = fmt.Errorf("%w: aud must be exactly one accepted audience", ErrAssertionClaims)
	errJti        = fmt.Errorf("%w: jti missing or too long", ErrAssertionClaims)
	errMissingExp = fmt.Errorf("%w: exp missing", ErrAssertionClaims)
	errExpFar     = fmt.Errorf("%w: exp too far ahead", ErrAssertionClaims)
	errIat        = fmt.Errorf("%w: iat in the future", ErrAssertionClaims)
	errNbf        = fmt.Errorf("%w: nbf in the future", ErrAssertionClaims)
)
