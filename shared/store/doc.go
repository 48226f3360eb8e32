// Package store holds what every Tollgate store implementation shares: the
// sentinel errors callers test with errors.Is, list paging, and the entries
// of the expiry index the sweep reads. Stores never let an SDK error type
// escape; a failed condition is ErrConflict or ErrNotFound, and every key
// includes the project, so no read or write can cross projects.
package store
