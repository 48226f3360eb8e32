package dpop

import (
	"errors"
	"fmt"
)

// Errors returned by Verify and Spend, one per failed check, wrapped with a
// short reason; test with errors.Is. Their texts never contain the proof,
// the access token or any part of them.
var (
	ErrMalformed  = errors.New("dpop: malformed proof")
	ErrType       = errors.New("dpop: typ must be dpop+jwt")
	ErrAlgorithm  = errors.New("dpop: algorithm not allowed")
	ErrKey        = errors.New("dpop: jwk is not a supported public key")
	ErrPrivateKey = errors.New("dpop: jwk holds private key members")
	ErrSignature  = errors.New("dpop: invalid signature")
	ErrID         = errors.New("dpop: jti missing or too long")
	ErrMethod     = errors.New("dpop: htm is not the request method")
	ErrURL        = errors.New("dpop: htu is not the request URL")
	ErrStale      = errors.New("dpop: iat too old")
	ErrFuture     = errors.New("dpop: iat in the future")
	ErrTokenHash  = errors.New("dpop: ath is not the access token's hash")
	ErrNonce      = errors.New("dpop: nonce not supported")
	ErrReplay     = errors.New("dpop: proof already used")
)

// Wrapped errors are built once, so refusing hostile input allocates little
// (those of the proof's JSON are proofJWS's).
var (
	errTooLong    = fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxProofLen)
	errShape      = fmt.Errorf("%w: not three segments of strict base64url", ErrMalformed)
	errMember     = fmt.Errorf("%w: header member not allowed (only typ, alg, jwk)", ErrMalformed)
	errHeaderType = fmt.Errorf("%w: typ and alg must be strings, jwk an object", ErrMalformed)
	errClaimType  = fmt.Errorf("%w: a claim has the wrong JSON type", ErrMalformed)
	errNoAlg      = fmt.Errorf("%w: alg missing", ErrAlgorithm)
	errAlg        = fmt.Errorf("%w: only ES256 and EdDSA", ErrAlgorithm)
	errAlgKey     = fmt.Errorf("%w: alg does not suit the jwk (ES256: EC P-256, EdDSA: OKP Ed25519)", ErrAlgorithm)
	errNoKey      = fmt.Errorf("%w: jwk missing", ErrKey)
	errKeyType    = fmt.Errorf("%w: only EC P-256 and OKP Ed25519", ErrKey)
	errKeyMember  = fmt.Errorf("%w: x or y missing, not a string, or not a 32-byte strict base64url", ErrKey)
	errKeyPoint   = fmt.Errorf("%w: not a point on P-256", ErrKey)
	errPrivate    = fmt.Errorf("%w: d, k or an RSA private member present", ErrPrivateKey)
	errSigVerify  = fmt.Errorf("%w: does not verify with the jwk", ErrSignature)
	errJti        = fmt.Errorf("%w: at most %d bytes", ErrID, MaxIDLen)
	errHtu        = fmt.Errorf("%w (scheme, host, port and path; query and fragment ignored)", ErrURL)
	errNoIat      = fmt.Errorf("%w: iat missing or not a NumericDate", ErrStale)
	errIatOld     = fmt.Errorf("%w: older than %s", ErrStale, MaxAge)
	errIatAhead   = fmt.Errorf("%w: more than %s ahead", ErrFuture, MaxAhead)
	errAth        = fmt.Errorf("%w: missing or different", ErrTokenHash)
	errNonce      = fmt.Errorf("%w: this server issues no DPoP-Nonce", ErrNonce)
)
