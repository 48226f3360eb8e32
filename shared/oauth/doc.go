// Package oauth is the token function: the OAuth 2.0 token endpoint
// (refresh_token and client_credentials grants), token revocation (RFC
// 7009), the JWKS and the authorization server metadata (RFC 8414). Every
// answer is no-store; bad client credentials are one indistinguishable 401
// whether the client exists or not, and failures per identifier and source
// are throttled, each attempt reserved before its credential is checked. Form bodies and Basic credentials are parsed strictly
// (form.go) and refusals are RFC 6749 errors (response.go). A private_key_jwt client assertion is verified with
// golang-jwt/v5 behind accesstoken's strict JWS reading, against the
// certificate bound under its x5t#S256 only, with the algorithm pinned to
// that certificate's key type; no key is ever taken from the token. A DPoP
// proof (dpop.go) binds the tokens a grant issues to the proof's key
// (cnf.jkt), and a refresh family to the key of its first proof.
package oauth
