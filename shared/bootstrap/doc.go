// Package bootstrap creates a project's first admin user and admin API key,
// exactly once: a marker written in the same transaction makes a second run
// fail with ErrDone, so the printed key can never be re-issued silently.
package bootstrap
