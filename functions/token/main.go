// Command token is the OAuth token function: /oauth/token, /oauth/revoke,
// the JWKS and the authorization server metadata.
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
	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

func main() {
	ctx := context.Background()
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	st, err := dynamo.Open(ctx, cfg.DynamoDBEndpoint, cfg.Table)
	if err != nil {
		log.Fatal(err)
	}
	t, err := awsdeps.LoadTokens(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	h := oauth.New(st, oauth.Options{
		ProjectID: cfg.ProjectID, Issuer: cfg.Issuer, Audience: cfg.Audience, Signer: t.Signer, Keys: t.Keys,
		Sealer: t.Sealer, Grace: cfg.RefreshGrace, PasswordSignIn: cfg.PasswordSignIn, Clock: clock.Real{}, Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	})
	lambda.Start(h.Handle)
}
