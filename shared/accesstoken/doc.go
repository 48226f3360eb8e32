// Package accesstoken issues and verifies Tollgate's JWTs (RFC 9068 access
// tokens and personal JWTs) following RFC 8725: ES256 only, each key pinned
// to it by its RFC 7638 thumbprint kid, a header allow-list of exactly alg,
// kid and typ (so jwk, jku, x5u, x5c and crit are refused and keys are never
// fetched from anywhere), and strict decoding of the whole token (length cap,
// canonical base64url, duplicate and unknown JSON members rejected).
// The signature is checked before any claim is trusted, and signing keys
// either stay in AWS KMS or, for the local stack, in 0600 PKCS#8 files.
package accesstoken
