// Package credential holds the session record shared by every credential
// that mints JWTs (personal JWTs, refresh-token families, OAuth clients):
// who owns it, what it may grant, and whether it still stands. A JWT names
// its session in the sid claim, and the authorizer accepts it only while the
// session is active and the token was issued at or after the session's
// NotBefore, so revoking a session stops its tokens within the revocation
// bound without a per-token list. An OAuth client (Client) is such a
// session with a secret: 256 random bits stored only as SHA-256, compared in
// constant time, and a rotated secret kept working beside its successor for
// a grace period.
//
// It also holds the one vocabulary of credential types (Type: api_key, jwt,
// access_token, refresh_token, client, certificate, sas) that the
// authorizer, the audit log, the expiry sweep and the stores share. A
// session's Kind is a different thing and stays apart: it names the flow
// that made the session, is the prefix of its id (jwt_, rtf_, cli_, pwd_,
// pkj_) and is stored; Kind.Type maps it to its credential type, once.
package credential
