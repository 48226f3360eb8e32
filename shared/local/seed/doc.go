// Package seed is the development data of the local stack, the sample
// events under events/ and the tests that run them: four users, their API
// keys, personal JWTs, a refresh family, an OAuth client, a SAS credential
// and a bound mutual-TLS certificate, with fixed ids and secrets, and the
// fixed JWT signing key and envelope key they are signed and sealed with
// (also as a local-kms seed file). Every secret here is public: the data is
// for a local stack on loopback and for tests, never for a deployment, and
// no function links this package.
package seed
