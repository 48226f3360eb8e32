package store

import "errors"

// Sentinel errors returned (wrapped) by every store.
var (
	// ErrNotFound: no such record in this project.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the write's condition failed (already exists, already
	// rotated, changed concurrently).
	ErrConflict = errors.New("conflict")
	// ErrBadCursor: a list cursor that this store did not issue for this list.
	ErrBadCursor = errors.New("invalid cursor")
	// ErrUnaudited: a change made without its audit record, refused by a
	// store that requires one.
	ErrUnaudited = errors.New("change without an audit record")
	// ErrReplay: a one-time identifier (a proof's jti) was used before.
	ErrReplay = errors.New("already used")
)

// Page asks for one page of a list.
type Page struct {
	Limit  int    // 1..100
	Cursor string // "" for the first page
}
