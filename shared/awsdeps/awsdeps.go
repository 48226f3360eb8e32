// Package awsdeps builds, from the configuration, the AWS-backed parts the
// Lambda functions share: the DynamoDB store, the JWT signer and keyring in
// KMS (private keys never leave KMS), and envelope encryption under a KMS
// key. It is read once at cold start.
package awsdeps

import (
	"context"
	"crypto/ecdsa"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/tollgate/tollgate/shared/accesstoken"
	tgconfig "github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/envelope"
)

// Tokens is what the functions that sign, verify and seal need.
type Tokens struct {
	Signer accesstoken.Signer
	Keys   *accesstoken.Keyring
	Sealer envelope.Sealer
}

// LoadTokens reads every signing key's public key from KMS: the first
// key signs, all verify.
func LoadTokens(ctx context.Context, c tgconfig.Config) (Tokens, error) {
	if err := c.RequireTokens(); err != nil {
		return Tokens{}, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return Tokens{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	client := kms.NewFromConfig(awsCfg)
	var signer accesstoken.Signer
	var pubs []*ecdsa.PublicKey
	for i, id := range c.SigningKeys {
		s, err := accesstoken.NewKMSSigner(ctx, client, id)
		if err != nil {
			return Tokens{}, fmt.Errorf("signing key %s: %w", id, err)
		}
		if i == 0 {
			signer = s
		}
		pubs = append(pubs, s.PublicKey())
	}
	return Tokens{Signer: signer, Keys: accesstoken.NewKeyring(pubs...), Sealer: envelope.NewKMS(client, c.SealKey)}, nil
}
