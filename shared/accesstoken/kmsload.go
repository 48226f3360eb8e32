package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
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

// OpenKMS loads the AWS configuration from the environment and the signing
// keys in keyIDs (see LoadKMS), and returns the KMS client for the other
// KMS-backed parts (envelope encryption).
func OpenKMS(ctx context.Context, keyIDs []string) (Signer, *Keyring, *kms.Client, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	client := kms.NewFromConfig(awsCfg)
	signer, keys, err := LoadKMS(ctx, client, keyIDs)
	return signer, keys, client, err
}
