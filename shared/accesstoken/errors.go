package accesstoken

import (
	"errors"
	"fmt"
)

// Errors returned by Verify, wrapped with a short reason; test with errors.Is.
// Their texts never contain the token, a header value or a signature.
var (
	ErrMalformed   = errors.New("accesstoken: malformed token")
	ErrAlgorithm   = errors.New("accesstoken: algorithm not allowed")
	ErrUnknownKey  = errors.New("accesstoken: unknown signing key")
	ErrSignature   = errors.New("accesstoken: invalid signature")
	ErrExpired     = errors.New("accesstoken: token expired")
	ErrNotYetValid = errors.New("accesstoken: token not yet valid")
	ErrClaims      = errors.New("accesstoken: invalid claims")
)

// Wrapped errors are built once so that rejecting hostile input allocates
// nothing (those of the token's shape and JSON are tokenJWS's).
var (
	errNotConfigured   = errors.New("accesstoken: verifier needs Keys, Issuer and Audience")
	errDecode          = fmt.Errorf("%w: payload or signature not strict base64url, or claims not JSON", ErrMalformed)
	errClaimsJSON      = fmt.Errorf("%w: claims are not JSON of the expected types", ErrMalformed)
	errClaimsMember    = fmt.Errorf("%w: unknown claim", ErrMalformed)
	errAlg             = fmt.Errorf("%w: alg must be ES256", ErrAlgorithm)
	errTyp             = fmt.Errorf("%w: typ must be at+jwt", ErrClaims)
	errKid             = fmt.Errorf("%w: kid not in the keyring", ErrUnknownKey)
	errSigVerify       = fmt.Errorf("%w: does not verify", ErrSignature)
	errExp             = fmt.Errorf("%w: exp passed", ErrExpired)
	errNbf             = fmt.Errorf("%w: nbf in the future", ErrNotYetValid)
	errIat             = fmt.Errorf("%w: iat in the future", ErrNotYetValid)
	errMissing         = fmt.Errorf("%w: exp, iss or aud missing", ErrClaims)
	errMissingIat      = fmt.Errorf("%w: iat missing", ErrClaims)
	errIss             = fmt.Errorf("%w: wrong issuer", ErrClaims)
	errAud             = fmt.Errorf("%w: audience not accepted", ErrClaims)
	errSub             = fmt.Errorf("%w: sub missing", ErrClaims)
	errJti             = fmt.Errorf("%w: jti missing", ErrClaims)
	errSid             = fmt.Errorf("%w: sid missing", ErrClaims)
	errCnf             = fmt.Errorf("%w: cnf must hold exactly one of x5t#S256 and jkt", ErrClaims)
	errIssueIncomplete = fmt.Errorf("%w: iss, sub, aud, jti, sid, exp and iat are required", ErrClaims)
)
