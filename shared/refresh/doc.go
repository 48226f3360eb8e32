// Package refresh holds refresh-token families and their rotation. Every
// exchange spends the presented token and names exactly one successor, in
// one conditional transaction that also requires the family to be active,
// so a racing revoke can never be undone. A spent token presented again
// within the grace period gets the same successor (kept sealed by envelope
// encryption, never in plain text); after it, the reuse revokes the whole
// family. The family's absolute expiry never moves. A family is bound to
// the DPoP key of the first exchange that proves one, in that exchange's
// rotation (conditional on the family being unbound or bound to that key),
// and from then on refuses any exchange that does not prove it.
package refresh
