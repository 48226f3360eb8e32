// Package credential holds the session record shared by every credential
// that mints JWTs (personal JWTs, refresh-token families, OAuth clients):
// who owns it, what it may grant, and whether it still stands. A JWT names
// its session in the sid claim, and the authorizer accepts it only while the
// session is active and the token was issued at or after the session's
// NotBefore, so revoking a session stops its tokens within the revocation
// bound without a per-token list.
package credential
