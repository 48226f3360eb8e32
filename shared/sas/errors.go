package sas

import (
	"errors"
	"fmt"
)

// Errors returned by Parse, ParseExpiry and Verify, wrapped with a short
// reason; test with errors.Is. Their texts never contain a key, a signature
// or the presented header.
var (
	ErrMalformed = errors.New("sas: malformed shared access signature")
	ErrSignature = errors.New("sas: invalid signature")
	ErrExpired   = errors.New("sas: token expired")
)

// expiryFormats names the accepted expiry formats in error texts.
const expiryFormats = "RFC 3339 (2014-08-04T22:03:00Z, any offset), " +
	".NET round-trip (2014-08-04T22:03:00.0000000Z) or MM/DD/YYYY H:MM AM|PM (UTC)"

// Wrapped errors are built once so that rejecting hostile input allocates nothing.
var (
	errTooLong        = fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLen)
	errScheme         = fmt.Errorf("%w: must start with %q and one space", ErrMalformed, Scheme)
	errSpace          = fmt.Errorf("%w: more than one space after the scheme", ErrMalformed)
	errField          = fmt.Errorf("%w: a field is not name=value", ErrMalformed)
	errUnknownField   = fmt.Errorf("%w: unknown field (only uid, ex and sn)", ErrMalformed)
	errDuplicateField = fmt.Errorf("%w: duplicate field", ErrMalformed)
	errFieldOrder     = fmt.Errorf("%w: fields must be uid, ex and sn, in that order", ErrMalformed)
	errMissingField   = fmt.Errorf("%w: missing field (uid, ex and sn are required)", ErrMalformed)
	errEmptyValue     = fmt.Errorf("%w: empty field value", ErrMalformed)
	errIdentifier     = fmt.Errorf("%w: uid must be 1 to %d characters of A-Z a-z 0-9 . _ -", ErrMalformed, maxIdentifierLen)
	errSignatureForm  = fmt.Errorf("%w: sn must be padded standard base64 of %d bytes", ErrMalformed, SignatureLen)
	errExpiryFormat   = fmt.Errorf("%w: expiry must be %s", ErrMalformed, expiryFormats)
	errExpiryRange    = fmt.Errorf("%w: expiry is not a real date and time; formats: %s", ErrMalformed, expiryFormats)
	errExpiryMismatch = fmt.Errorf("%w: ExpiresAt differs from Expiry", ErrMalformed)
	errSignatureLen   = fmt.Errorf("%w: not %d bytes", ErrSignature, SignatureLen)
	errNoMatch        = fmt.Errorf("%w: matches no key", ErrSignature)
	errPassed         = fmt.Errorf("%w: ex passed", ErrExpired)
)
