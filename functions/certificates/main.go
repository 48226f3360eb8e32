// Command certificates is the certificates Lambda: binding, reading and
// revoking a user's mTLS certificate. It neither signs nor seals, so it
// opens no KMS key.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

func main() {
	ctx := context.Background()
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	if cfg.Issuer == "" { // proofs of possession name it in their aud
		log.Fatalf("%s is required", config.EnvIssuer)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	st, err := dynamo.Open(ctx, awsCfg, cfg.DynamoDBEndpoint, cfg.Table)
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h := management.NewCertificates(st, management.Configured(cfg, nil, nil, clock.Real{}, logger))
	lambda.Start(h.Handle)
}
