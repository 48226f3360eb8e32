// Package authorizer is the API Gateway REQUEST authorizer: it finds the
// presented credential, applies its owner's current roles and scopes, and
// answers with a policy covering every route the credential may call, and
// denying those its wildcards would reach besides. It
// fails closed: a malformed token is refused before any store read, an
// unknown, inactive, expired or orphaned credential is Unauthorized, and a
// store error or timeout is an error (API Gateway answers 500), never an
// Allow. Decisions are cached in process for at most the revocation bound,
// keyed by the SHA-256 of the secret, never the secret itself. Refusals
// are logged naming the credential by id or hint only, and at most
// RefusalLinesPerSecond lines per reason, so a flood of garbage tokens
// cannot flood the logs.
//
// Each kind of credential has its file behind one small interface
// (method): apikey.go, jwt.go (personal JWTs and access tokens), sas.go and
// certificate.go (mutual TLS). presented.go finds the one credential a
// request presents, authorizer.go turns it into a decision and a response,
// dpop.go checks a DPoP-bound token's proof on every request (never from
// the cache), cache.go holds the caches, sampler.go bounds the refusals'
// log lines.
package authorizer
