// Package accesstoken issues and verifies Tollgate's JWTs (RFC 9068 access
// tokens and personal JWTs) following RFC 8725. Verification is
// golang-jwt/v5's (signature, exp, nbf, iat, iss, aud, with leeway and
// strict base64url) behind a strict reading of its own (JWSReader and
// ClaimDecoder, which the client-assertion verifier in shared/oauth shares
// with LibErrors, the mapping of golang-jwt's errors): a length cap, a header
// allow-list of exactly alg, kid and typ (so jwk, jku, x5u, x5c and crit are
// refused and keys are never fetched from anywhere), ES256 only with each
// key pinned by its RFC 7638 thumbprint kid, and JSON with no duplicate or
// unknown member and no invalid text. A claim is trusted only once the
// signature verifies, and signing keys either stay in AWS KMS or, for the
// local stack, in 0600 PKCS#8 files.
package accesstoken
