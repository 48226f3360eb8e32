package certbind

import "errors"

// Errors returned by Parse, FromClientCert and PublicKey, wrapped with a
// short reason; test with errors.Is. Their texts never quote the input.
var (
	ErrTooLarge       = errors.New("certbind: input too large")
	ErrPrivateKey     = errors.New("certbind: input contains a private key")
	ErrNotCertificate = errors.New("certbind: not exactly one X.509 certificate")
	ErrSeveral        = errors.New("certbind: more than one certificate")
	ErrExpired        = errors.New("certbind: certificate expired")
	ErrNotYetValid    = errors.New("certbind: certificate not yet valid")
	ErrCA             = errors.New("certbind: certificate is a CA certificate")
	ErrWeakKey        = errors.New("certbind: public key not accepted")
	ErrWeakSignature  = errors.New("certbind: signature algorithm not accepted")
)
