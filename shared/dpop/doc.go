// Package dpop verifies DPoP proofs (RFC 9449): the JWT a client signs
// with its own key for one HTTP request, which binds tokens to that key.
// A proof is read strictly (a length cap, three segments of strict
// base64url, a header of exactly typ, alg and jwk, JSON with no duplicate
// member), its algorithm is pinned to ES256 or EdDSA and to the kind of its
// embedded public key, and its claims are trusted only once that key
// verifies its signature. The embedded key is the proof key, never a trust
// anchor: nothing is fetched (jku, x5u and kid are refused) and a key with
// private members is refused. Each proof is spent once per key (Spend).
// A Verifier reads each client's header once, and checks every proof's
// signature and claims.
package dpop
