// Package problem holds RFC 9457 problem details and the one mapping from
// Tollgate's sentinel errors to HTTP statuses. Public text and internal
// detail are kept apart: a client sees Detail, never err.Error() of an
// unexpected error, which is only logged.
package problem
