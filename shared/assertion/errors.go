package assertion

import (
	"errors"
	"fmt"
)

// Errors returned by Thumbprint and Verify, wrapped with a short reason; test
// with errors.Is. Their texts never contain the token or any part of it.
var (
	ErrMalformed = errors.New("assertion: malformed")
	ErrAlgorithm = errors.New("assertion: algorithm not allowed for the certificate's key")
	ErrSignature = errors.New("assertion: invalid signature")
	ErrExpired   = errors.New("assertion: expired")
	ErrClaims    = errors.New("assertion: invalid claims")
)

// Wrapped errors are built once, so refusing hostile input allocates little.
var (
	errNotConfigured = errors.New("assertion: Verifier needs Audiences (non-empty) and a non-negative MaxLifetime")
	errCertificate   = errors.New("assertion: unusable certificate (its DER, X5tS256 or key is not as certbind.Parse returns them)")

	errTooLong      = fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenLen)
	errSegments     = fmt.Errorf("%w: not three segments", ErrMalformed)
	errBase64       = fmt.Errorf("%w: not strict base64url without padding", ErrMalformed)
	errHeaderJSON   = fmt.Errorf("%w: header is not a JSON object of strings", ErrMalformed)
	errHeaderMember = fmt.Errorf("%w: header member not allowed (only alg, typ, kid, x5t#S256)", ErrMalformed)
	errHeaderDup    = fmt.Errorf("%w: duplicate header member", ErrMalformed)
	errNoAlg        = fmt.Errorf("%w: header has no alg", ErrMalformed)
	errNoX5t        = fmt.Errorf("%w: header has no x5t#S256", ErrMalformed)
	errX5t          = fmt.Errorf("%w: x5t#S256 is not a base64url SHA-256", ErrMalformed)
	errTyp          = fmt.Errorf("%w: typ must be JWT", ErrMalformed)
	errClaimsJSON   = fmt.Errorf("%w: claims are not a valid JSON object", ErrMalformed)
	errClaimsDup    = fmt.Errorf("%w: duplicate JSON member", ErrMalformed)
	errDepth        = fmt.Errorf("%w: JSON nested too deeply", ErrMalformed)

	errThumbprint = fmt.Errorf("%w: x5t#S256 is not the certificate's", ErrSignature)
	errSigLen     = fmt.Errorf("%w: wrong length", ErrSignature)
	errSigVerify  = fmt.Errorf("%w: does not verify", ErrSignature)

	errCertExpired  = fmt.Errorf("%w: the certificate has expired", ErrExpired)
	errCertNotValid = fmt.Errorf("%w: the certificate is not yet valid", ErrExpired)
	errExp          = fmt.Errorf("%w: exp has passed", ErrExpired)

	errClaimType  = fmt.Errorf("%w: a registered claim has the wrong type", ErrClaims)
	errDate       = fmt.Errorf("%w: exp, iat or nbf is not a NumericDate", ErrClaims)
	errIssSub     = fmt.Errorf("%w: iss and sub must be present and equal", ErrClaims)
	errAud        = fmt.Errorf("%w: aud must be exactly one accepted audience", ErrClaims)
	errJti        = fmt.Errorf("%w: jti missing or too long", ErrClaims)
	errMissingExp = fmt.Errorf("%w: exp missing", ErrClaims)
	errExpFar     = fmt.Errorf("%w: exp too far ahead", ErrClaims)
	errIat        = fmt.Errorf("%w: iat in the future", ErrClaims)
	errNbf        = fmt.Errorf("%w: nbf in the future", ErrClaims)
)
