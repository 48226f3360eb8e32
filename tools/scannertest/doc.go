// Package scannertest runs a real secret scanner, gitleaks, over freshly
// minted Tollgate secrets with the pattern docs/secret-scanning.md gives
// scanners. It is a module of its own so that gitleaks and what it links
// stay out of Tollgate's go.mod; `make test` runs it.
package scannertest
