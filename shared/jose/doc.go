// Package jose is strict, allocation-light reading of compact JWS tokens:
// three segments of strict base64url without padding, and a non-recursive
// JSON scanner that accepts only valid UTF-8 and valid escapes. It is shared
// by the access-token verifier (shared/accesstoken) and the client-assertion
// verifier (shared/assertion); it never trusts or fetches anything.
package jose
