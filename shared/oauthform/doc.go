// Package oauthform reads and answers requests to the OAuth endpoints
// (RFC 6749, RFC 7009): a strict application/x-www-form-urlencoded parser
// that refuses repeated parameters, bad escapes and non-UTF-8 so no two
// parsers of one body can disagree, client_secret_basic credentials, and
// RFC 6749 §5.2 error answers. Every answer is marked Cache-Control:
// no-store and Pragma: no-cache, and an unexpected error is answered as a
// bare server_error: its text is for the log, never for the client.
package oauthform
