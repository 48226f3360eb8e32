package store

import (
	"time"

	"github.com/tollgate/tollgate/shared/credential"
)

// ExpiryEntry is a credential in a store's expiry index: an API key, a
// personal JWT or a refresh-token family that has an expiry.
type ExpiryEntry struct {
	Type      credential.Type
	ID        string
	Owner     string
	ExpiresAt time.Time
	Notified  bool // credential.expiring was sent
}
