// Package password hashes and checks user passwords with Argon2id (RFC
// 9106), for the username/password sign-in that deployments may enable for
// testing. Hashes are PHC strings with a random 128-bit salt; checks run in
// constant time, and an unknown user costs the same work as a wrong
// password.
package password
