// Package coldstart is the wiring the authorizer, issuekeys and token
// functions share: what each builds once, at cold start, before it hands a
// handler to lambda.Start. It holds no logic of its own.
package coldstart

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// Deps is what a function that signs or verifies JWTs and seals secrets
// needs: its settings, the table, the KMS-backed signer, keyring and
// sealer, the real clock and a JSON logger.
type Deps struct {
	Config config.Config
	Store  *dynamo.Store
	Signer accesstoken.Signer
	Keys   *accesstoken.Keyring
	Sealer envelope.Sealer
	Clock  clock.Clock
	Logger *slog.Logger
}

// Load parses the configuration from the environment (reporting everything
// missing at once), loads the AWS configuration once for every client,
// opens the table and reads the signing keys from KMS.
func Load(ctx context.Context) (Deps, error) {
	cfg, err := config.TokensFromEnv()
	if err != nil {
		return Deps{}, err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return Deps{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	st, err := dynamo.Open(ctx, awsCfg, cfg.DynamoDBEndpoint, cfg.Table)
	if err != nil {
		return Deps{}, err
	}
	kc := kms.NewFromConfig(awsCfg)
	signer, keys, err := accesstoken.LoadKMS(ctx, kc, cfg.SigningKeys)
	if err != nil {
		return Deps{}, err
	}
	return Deps{Config: cfg, Store: st, Signer: signer, Keys: keys, Sealer: envelope.NewKMS(kc, cfg.SealKey),
		Clock: clock.Real{}, Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil))}, nil
}
