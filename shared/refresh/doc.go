// Package refresh holds refresh-token families and their rotation. Every
// exchange spends the presented token and names exactly one successor, in
// one conditional transaction that also requires the family to be active,
// so a racing revoke can never be undone. A spent token presented again
// within the grace period gets the same successor (kept sealed by envelope
// encryption, never in plain text); after it, the reuse revokes the whole
// family. The family's absolute expiry never moves.
package refresh
