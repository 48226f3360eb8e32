// Package cli holds the logic of the tollgate command line: the cobra
// command tree for login, whoami, keys, tokens, clients, certs, users,
// audit and sas, the profile configuration
// file, and the HTTP session that calls the Tollgate API and renews OAuth
// access tokens. cmd/tollgate only wires it up.
//
// Security properties:
//
//   - The configuration file (os.UserConfigDir()/tollgate/config.json, or
//     TOLLGATE_CONFIG) is written with mode 0600, atomically: a temporary
//     file in the same folder, synced, then renamed over the old one, so a
//     crash never leaves a half-written file and readers never see one.
//   - Secrets need not appear in argv, where other users of the machine can
//     see them: every secret flag has an -env variant naming an environment
//     variable, and the value "-" reads one line from standard input.
//   - Secrets are never logged and never part of an error message. A new
//     secret (a created or rotated key, a JWT, a refresh token, a client
//     secret) is printed once, on standard output, with "store it now: it
//     is not shown again" on standard error.
//   - certs upload refuses a file containing "PRIVATE KEY" before any
//     request is made.
//   - A password sign-in profile keeps only the access token, never the
//     password; when the token expires, log in again.
//   - A refresh-token profile saves the rotated refresh token before the
//     new access token is used (see Session.Token), so the saved token is
//     never one the server has already spent beyond its grace period.
package cli
