// Package oauth is the token function: the OAuth 2.0 token endpoint
// (refresh_token and client_credentials grants), token revocation (RFC
// 7009), the JWKS and the authorization server metadata (RFC 8414). Every
// answer is no-store; bad client credentials are one indistinguishable 401
// whether the client exists or not, and repeated failures for one client id
// are throttled.
package oauth
