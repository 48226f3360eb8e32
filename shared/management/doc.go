// Package management is the management API (users, API keys, personal
// JWTs, refresh tokens, clients, certificates, SAS, audit) as one API
// Gateway proxy handler, and the one-time bootstrap of the first admin. It
// trusts only what the authorizer put in the request context, re-reads the
// caller's roles, applies the issuance rules of package user (issue.go
// answers their refusals), and writes nothing on any 4xx: every request is
// validated in full before its single store write. A non-admin binding a
// certificate proves it holds the key, over mutual TLS or by a signed proof
// (proof.go: a JWS verified like a private_key_jwt assertion, its jti spent
// in the binding's own transaction).
// Secrets appear only in the response that creates them, marked no-store;
// someone else's credential is answered 404, never 403.
package management
