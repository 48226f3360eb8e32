// Package proof verifies the proof of possession a non-admin sends when it
// binds a certificate to its own account: a compact JWS signed with the
// certificate's private key, its algorithm pinned to the key type
// (certbind.Algorithms, as for private_key_jwt), for one user and one
// audience, short-lived, with a jti the caller spends once. Errors never
// quote the proof.
package proof
