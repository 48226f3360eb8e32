package memory

import (
	"fmt"

	"github.com/tollgate/tollgate/shared/store"
)

// owned holds one kind of record that a user has at most one of (a SAS
// credential, a certificate binding), by its id and by its owner; records
// are copied in and out, so callers never share memory with the store.
// s.mu guards it.
type owned[T any] struct {
	what  string // names the kind in errors
	clone func(T) T
	byID  map[projectKey]T
	idOf  map[projectKey]string // project+owner -> id
}

func newOwned[T any](what string, clone func(T) T) owned[T] {
	return owned[T]{what: what, clone: clone, byID: map[projectKey]T{}, idOf: map[projectKey]string{}}
}

// add stores v as id's record and owner's one; ErrConflict if either has
// one already.
func (o owned[T]) add(project, id, owner string, v T) error {
	_, taken := o.byID[projectKey{project, id}]
	_, has := o.idOf[projectKey{project, owner}]
	if taken || has {
		return fmt.Errorf("%s: %w", o.what, store.ErrConflict)
	}
	o.byID[projectKey{project, id}] = o.clone(v)
	o.idOf[projectKey{project, owner}] = id
	return nil
}

// get reads id's record.
func (o owned[T]) get(project, id string) (T, error) {
	v, ok := o.byID[projectKey{project, id}]
	if !ok {
		return v, fmt.Errorf("%s: %w", o.what, store.ErrNotFound)
	}
	return o.clone(v), nil
}

// owns reports whether id's record is owner's.
func (o owned[T]) owns(project, id, owner string) bool {
	got, ok := o.idOf[projectKey{project, owner}]
	return ok && got == id
}

// update applies f to id's record if it is owner's (ErrNotFound otherwise),
// keeping the result unless f fails.
func (o owned[T]) update(project, id, owner string, f func(*T) error) error {
	if !o.owns(project, id, owner) {
		return fmt.Errorf("%s: %w", o.what, store.ErrNotFound)
	}
	v := o.byID[projectKey{project, id}]
	if err := f(&v); err != nil {
		return err
	}
	o.byID[projectKey{project, id}] = v
	return nil
}

// remove deletes id's record if it is owner's; ErrNotFound otherwise.
func (o owned[T]) remove(project, id, owner string) error {
	if !o.owns(project, id, owner) {
		return fmt.Errorf("%s: %w", o.what, store.ErrNotFound)
	}
	delete(o.byID, projectKey{project, id})
	delete(o.idOf, projectKey{project, owner})
	return nil
}

// getByOwner reads the record owner has, counting a read only when there is
// one.
func getByOwner[T any](s *Store, o owned[T], project, owner string) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := o.idOf[projectKey{project, owner}]
	if !ok {
		var zero T
		return zero, fmt.Errorf("%s: %w", o.what, store.ErrNotFound)
	}
	s.Reads.Add(1)
	return o.get(project, id)
}
