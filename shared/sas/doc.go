// Package sas makes and checks shared access signatures byte-compatible with
// Azure API Management's "SharedAccessSignature uid=…&ex=…&sn=…": an
// HMAC-SHA512, keyed with the UTF-8 bytes of a base64 key string, over
// identifier + "\n" + expiry exactly as the token carries it.
// It also holds the SAS credential (one per user: an identifier and a
// primary and secondary key), whose keys are stored only sealed by envelope
// encryption bound to the project and identifier.
// Parse is strict and allocation-light on hostile input (length cap, the
// three fields once each and in Azure's order, an identifier alphabet without
// separators so the string-to-sign cannot be forged, canonical padded base64
// of exactly 64 bytes, no percent-decoding), and Verify (or a Verifier,
// which keeps each key's keyed HMAC state, as secret as the key) computes
// every key's MAC and compares in constant time, so neither a forgery nor
// which key matched shows in timing; error texts never contain a key or a
// signature.
package sas
