// Package apikey holds API keys (personal access tokens): the record kept
// for each key and the rules for issuing and rotating them. A key's secret
// exists only in the value returned by New; the record holds its SHA-256 and
// a display hint, never the secret.
package apikey
