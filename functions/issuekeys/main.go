// Command issuekeys is the management API Lambda (users and API keys).
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/shared/awsdeps"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

func main() {
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	st, err := dynamo.Open(context.Background(), cfg.DynamoDBEndpoint, cfg.Table)
	if err != nil {
		log.Fatal(err)
	}
	t, err := awsdeps.LoadTokens(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	h := management.New(st, management.Options{
		ProjectID: cfg.ProjectID, AllowNonExpiringKeys: cfg.AllowNonExpiringKeys, Clock: clock.Real{},
		Issuer: cfg.Issuer, Audience: cfg.Audience, Signer: t.Signer, PasswordSignIn: cfg.PasswordSignIn, Sealer: t.Sealer,
		Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	})
	lambda.Start(h.Handle)
}
