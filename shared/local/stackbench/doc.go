// Package stackbench measures the local stack under load (`make bench-stack`):
// a warm key's GET /v1/whoami through the emulated API Gateway, beside a bare
// net/http server answering the same bytes, and the client_credentials grant.
// It starts everything it measures itself, binds only 127.0.0.1, and keeps
// its secrets (the admin key, the key and client it creates) in memory and
// in a temporary state folder that it removes.
package stackbench
