// Package coldstart is the wiring the authorizer, issuekeys and token
// functions share: what each builds once, at cold start, before it hands a
// handler to lambda.Start. It holds no logic of its own and makes no KMS
// call: each function reads only the keys it uses, when it needs them.
package coldstart

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// Deps is what a function that signs or verifies JWTs and seals secrets
// needs: its settings, the table, a KMS client (for its signing keys),
// the KMS sealer, the real clock and a JSON logger.
type Deps struct {
	Config config.Config
	Store  *dynamo.Store
	KMS    *kms.Client
	Sealer envelope.Sealer
	Clock  clock.Clock
	Logger *slog.Logger
}

// Load parses the configuration from the environment (reporting everything
// missing at once), loads the AWS configuration once for every client,
// opens the table and builds the KMS client, at TOLLGATE_KMS_ENDPOINT when
// set. It calls no AWS service.
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
	kc := kms.NewFromConfig(awsCfg, func(o *kms.Options) {
		if cfg.KMSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.KMSEndpoint)
		}
	})
	return Deps{Config: cfg, Store: st, KMS: kc, Sealer: envelope.NewKMS(kc, cfg.SealKey),
		Clock: clock.Real{}, Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil))}, nil
}
