// Package client holds OAuth clients (service accounts) and how they
// authenticate: a client secret is a 256-bit opaque secret stored only as
// its SHA-256 and compared in constant time; a rotated secret keeps working
// for a grace period beside its successor. Unknown clients and wrong
// secrets are indistinguishable to the caller.
package client
