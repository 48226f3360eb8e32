package apikey

import (
	"errors"
	"time"

	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
)

// Status of a key as stored; Expired is derived from ExpiresAt.
type Status string

// Key statuses.
const (
	Active   Status = "active"
	Inactive Status = "inactive"
	Expired  Status = "expired"
)

// IDPrefix starts every keyId.
const IDPrefix = "key"

// Defaults.
const (
	DefaultLifetime = 90 * 24 * time.Hour
	DefaultOverlap  = 24 * time.Hour
)

// ErrRotated reports a key that has already been rotated.
var ErrRotated = errors.New("key already rotated")

// Key is one API key's record.
type Key struct {
	ProjectID  string
	ID         string
	Hash       secret.Hash
	Name       string
	Scopes     scope.Set // nil: inherits the owner's scopes, live
	Owner      string
	Status     Status
	Hint       string
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: never expires
	LastUsedAt *time.Time
	RotatedTo  string // successor keyId once rotated
	Limits     meter.Limits
	// Version is the store's revision of the record: 1 when created, and
	// each change the store makes is conditional on it and increments it.
	Version int64
}

// New issues a key and returns it with its secret, the only copy there is,
// after the deployment's secret prefix ("" for none).
func New(projectID, owner, name string, scopes scope.Set, now time.Time, expiresAt *time.Time, prefix string) (Key, string, error) {
	tok, err := secret.Generate(prefix, secret.PrefixAPIKey)
	if err != nil {
		return Key{}, "", err
	}
	return Key{
		ProjectID: projectID,
		ID:        id.New(IDPrefix),
		Hash:      secret.Sum(tok),
		Name:      name,
		Scopes:    scopes,
		Owner:     owner,
		Status:    Active,
		Hint:      secret.Hint(tok),
		CreatedAt: now,
		ExpiresAt: expiresAt,
	}, tok, nil
}

// StatusAt is the key's status as people see it at now.
func (k Key) StatusAt(now time.Time) Status {
	if k.ExpiredAt(now) {
		return Expired
	}
	return k.Status
}

// ExpiredAt reports whether the key has passed its expiry at now.
func (k Key) ExpiredAt(now time.Time) bool {
	return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
}

// Rotate issues old's successor (same name, scopes, owner, expiry and
// limits; its secret after prefix) and returns old ending after overlap, or at its own expiry if
// that is sooner. The quota's balance moves: the successor starts with
// old's balance at now, and old is left with none of its own (the store
// writes that on condition that the balance is still as read); during the
// overlap the authorizer meters old against its successor, so the two
// share one balance and one rate limit.
func Rotate(old Key, now time.Time, overlap time.Duration, prefix string) (ended, successor Key, token string, err error) {
	if old.RotatedTo != "" {
		return Key{}, Key{}, "", ErrRotated
	}
	successor, token, err = New(old.ProjectID, old.Owner, old.Name, old.Scopes, now, old.ExpiresAt, prefix)
	if err != nil {
		return Key{}, Key{}, "", err
	}
	successor.Limits = old.Limits.Clone()
	if q := successor.Limits.Quota; q != nil {
		remaining, _ := q.At(now)
		*q = q.ResetTo(remaining, now)
	}
	end := now.Add(overlap)
	if old.ExpiresAt != nil && old.ExpiresAt.Before(end) {
		end = *old.ExpiresAt
	}
	old.ExpiresAt = &end
	old.RotatedTo = successor.ID
	return old, successor, token, nil
}
