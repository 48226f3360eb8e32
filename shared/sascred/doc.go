// Package sascred holds shared access signature credentials: one per user,
// an identifier and a primary and secondary HMAC key. The keys are needed
// to verify signatures, so they cannot be hashed: they are stored only
// sealed by envelope encryption (KMS in AWS), bound to the project and
// identifier, and opened only where a signature is made or checked.
package sascred
