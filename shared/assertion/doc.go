// Package assertion verifies RFC 7523 private_key_jwt client assertions
// signed with the private key of a certificate a user has bound, following
// RFC 8725: the algorithm is pinned to the certificate's key type, the
// header is an allow-list (alg, typ, kid, x5t#S256) so keys are never taken
// from the token (jwk, jku, x5u, x5c and crit are refused), and the whole
// token is decoded strictly (length cap, canonical base64url, duplicate JSON
// members refused). The signature is checked before any claim is read, and
// an accepted assertion has iss = sub, a single accepted audience, a short
// exp and a jti the caller records to refuse replays.
package assertion
