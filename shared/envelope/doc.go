// Package envelope seals the small secrets Tollgate must read back (SAS
// HMAC keys, refresh-token successors kept for the grace period) so the
// table never holds them in plain text: AES-256-GCM under a fresh KMS data
// key per value in AWS, or under a local 0600 key file in development.
// Each value is bound to a context string (its AAD, also the KMS
// encryption context), so a sealed value moved to another record does not
// open; any value that does not open gives the one error ErrOpen, with no
// detail (KMS being unreachable is a different, wrapped error), and neither
// plaintext nor key ever appears in an error.
package envelope
