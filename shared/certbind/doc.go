// Package certbind reads the X.509 certificates users bind to themselves
// (uploaded as PEM or base64 DER, or passed by API Gateway for mutual TLS)
// and keeps only their DER, thumbprints, names and validity. Input holding a
// private key in any form (a PEM block labelled PRIVATE KEY anywhere, or
// PKCS#1, PKCS#8 or SEC1 DER) is refused before anything else is parsed, and
// no error ever quotes the input. Only exactly one end-entity certificate
// with an RSA (2048 bits or more), P-256/P-384/P-521 or Ed25519 key and a
// SHA-2 or Ed25519 signature is accepted.
//
// VerifyProof checks a binding's proof of possession: a short-lived JWS
// signed with the certificate's key, the algorithm pinned to the key type
// (Algorithms, shared with private_key_jwt), for one user and one audience;
// its jti is the caller's to spend once.
package certbind
