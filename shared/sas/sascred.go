package sas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Which key.
const (
	Primary   = "primary"
	Secondary = "secondary"
)

// Credential is a user's SAS credential with its keys in the clear; it
// exists only in memory.
type Credential struct {
	ProjectID  string
	Identifier string
	Owner      string
	Enabled    bool
	Primary    string
	Secondary  string
	CreatedAt  time.Time
	Version    int64 // as Sealed's
}

// Sealed is a Credential as stored: its keys sealed.
type Sealed struct {
	ProjectID  string
	Identifier string
	Owner      string
	Enabled    bool
	Keys       []byte // the sealed pair of keys
	CreatedAt  time.Time
	// Version is the store's revision of the record: 1 when created, and
	// each change the store makes is conditional on it and increments it.
	Version int64
}

// Sealer is envelope encryption.
type Sealer interface {
	Seal(ctx context.Context, plaintext []byte, aad string) ([]byte, error)
	Open(ctx context.Context, sealed []byte, aad string) ([]byte, error)
}

type keyPair struct {
	Primary   string `json:"p"`
	Secondary string `json:"s"`
}

// aad binds sealed keys to their credential.
func aad(projectID, identifier string) string { return "sas/" + projectID + "/" + identifier }

// Seal seals c's keys.
func Seal(ctx context.Context, s Sealer, c Credential) (Sealed, error) {
	plain, err := json.Marshal(keyPair{c.Primary, c.Secondary})
	if err != nil {
		return Sealed{}, err
	}
	sealed, err := s.Seal(ctx, plain, aad(c.ProjectID, c.Identifier))
	clear(plain)
	if err != nil {
		return Sealed{}, fmt.Errorf("sealing SAS keys: %w", err)
	}
	return Sealed{ProjectID: c.ProjectID, Identifier: c.Identifier, Owner: c.Owner, Enabled: c.Enabled, Keys: sealed, CreatedAt: c.CreatedAt,
		Version: c.Version}, nil
}

// ErrCorrupt reports sealed keys that do not open.
var ErrCorrupt = errors.New("SAS keys do not open")

// Open opens sd's keys.
func Open(ctx context.Context, s Sealer, sd Sealed) (Credential, error) {
	plain, err := s.Open(ctx, sd.Keys, aad(sd.ProjectID, sd.Identifier))
	if err != nil {
		return Credential{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	var kp keyPair
	err = json.Unmarshal(plain, &kp)
	clear(plain)
	if err != nil {
		return Credential{}, ErrCorrupt
	}
	return Credential{ProjectID: sd.ProjectID, Identifier: sd.Identifier, Owner: sd.Owner, Enabled: sd.Enabled,
		Primary: kp.Primary, Secondary: kp.Secondary, CreatedAt: sd.CreatedAt, Version: sd.Version}, nil
}
