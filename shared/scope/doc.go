// Package scope holds permission strings and the set algebra that keeps a
// credential within its owner: a credential's effective scopes are always the
// intersection of its own with its owner's current scopes, and an admin owner
// holds every scope (All).
package scope
