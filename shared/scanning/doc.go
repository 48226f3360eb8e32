// Package scanning is Tollgate's answer to a leaked secret: GitHub's secret
// scanning partner program reports tokens it found in public, and every
// report that is a live Tollgate secret is acted on (deactivated, revoked
// or only announced), audited and announced once per credential.
//
// A report is trusted only once its ECDSA P-256 signature over the raw body
// verifies against a configured key of GitHub's; until then nothing is
// parsed, looked up or written. Reported tokens are hashed at once: no
// token is ever logged, stored, audited or echoed, only its SHA-256.
package scanning
