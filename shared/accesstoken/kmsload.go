package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"fmt"
)

// LoadKMS reads the public key of every KMS signing key in keyIDs: the
// first signs, all verify (so a retired key keeps verifying the tokens it
// signed until they expire).
func LoadKMS(ctx context.Context, client KMSAPI, keyIDs []string) (Signer, *Keyring, error) {
	var signer Signer
	pubs := make([]*ecdsa.PublicKey, 0, len(keyIDs))
	for i, id := range keyIDs {
		s, err := NewKMSSigner(ctx, client, id)
		if err != nil {
			return nil, nil, fmt.Errorf("signing key %s: %w", id, err)
		}
		if i == 0 {
			signer = s
		}
		pubs = append(pubs, s.PublicKey())
	}
	return signer, NewKeyring(pubs...), nil
}
