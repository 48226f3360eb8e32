// Package authorizer is the API Gateway REQUEST authorizer: it finds the
// presented credential, applies its owner's current roles and scopes, and
// answers with a policy covering every route the credential may call. It
// fails closed: a malformed token is refused before any store read, an
// unknown, inactive, expired or orphaned credential is Unauthorized, and a
// store error or timeout is an error (API Gateway answers 500), never an
// Allow. Decisions are cached in process for at most the revocation bound,
// keyed by the SHA-256 of the secret, never the secret itself.
package authorizer
