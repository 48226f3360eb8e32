// Command issuekeys is the management API Lambda (users and API keys).
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

func main() {
	cfg, err := config.TokensFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	st, err := dynamo.Open(context.Background(), cfg.DynamoDBEndpoint, cfg.Table)
	if err != nil {
		log.Fatal(err)
	}
	signer, _, kc, err := accesstoken.OpenKMS(context.Background(), cfg.SigningKeys)
	if err != nil {
		log.Fatal(err)
	}
	sealer := envelope.NewKMS(kc, cfg.SealKey)
	h := management.New(st, management.Options{
		ProjectID: cfg.ProjectID, AllowNonExpiringKeys: cfg.AllowNonExpiringKeys, Clock: clock.Real{},
		Issuer: cfg.Issuer, Audience: cfg.Audience, Signer: signer, PasswordSignIn: cfg.PasswordSignIn, Sealer: sealer,
		Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	})
	lambda.Start(h.Handle)
}
