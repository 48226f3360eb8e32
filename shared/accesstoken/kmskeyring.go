package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"sync"
)

// KMSKeyring is the keyring of KMS signing keys, read on first use rather
// than at cold start: a function that only verifies (the authorizer) then
// makes no KMS call before its first JWT. A failed read is not kept: the
// next use tries again. It is safe for concurrent use.
type KMSKeyring struct {
	client KMSAPI
	keyIDs []string

	mu   sync.Mutex
	ring *Keyring // nil until read
}

// NewKMSKeyring returns the keyring of keyIDs (as LoadKMS reads them),
// reading nothing yet.
func NewKMSKeyring(client KMSAPI, keyIDs []string) *KMSKeyring {
	return &KMSKeyring{client: client, keyIDs: keyIDs}
}

// Keyring returns the keys, reading their public halves from KMS on the
// first call and after a failed one; calls during a read wait for it.
func (k *KMSKeyring) Keyring(ctx context.Context) (*Keyring, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ring != nil {
		return k.ring, nil
	}
	pubs := make([]*ecdsa.PublicKey, 0, len(k.keyIDs))
	for _, id := range k.keyIDs {
		s, err := NewKMSSigner(ctx, k.client, id)
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", id, err)
		}
		pubs = append(pubs, s.PublicKey())
	}
	k.ring = NewKeyring(pubs...)
	return k.ring, nil
}

// Keyring returns k itself: a keyring in hand needs no reading.
func (k *Keyring) Keyring(context.Context) (*Keyring, error) { return k, nil }
