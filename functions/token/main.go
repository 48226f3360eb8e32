// Command token is the OAuth token function: /oauth/token, /oauth/revoke,
// the JWKS and the authorization server metadata.
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
	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

func main() {
	ctx := context.Background()
	cfg, err := config.TokensFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	st, err := dynamo.Open(ctx, cfg.DynamoDBEndpoint, cfg.Table)
	if err != nil {
		log.Fatal(err)
	}
	signer, keys, kc, err := accesstoken.OpenKMS(ctx, cfg.SigningKeys)
	if err != nil {
		log.Fatal(err)
	}
	sealer := envelope.NewKMS(kc, cfg.SealKey)
	h := oauth.New(st, oauth.Options{
		ProjectID: cfg.ProjectID, Issuer: cfg.Issuer, Audience: cfg.Audience, Signer: signer, Keys: keys,
		Sealer: sealer, Grace: cfg.RefreshGrace, PasswordSignIn: cfg.PasswordSignIn, Clock: clock.Real{}, Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	})
	lambda.Start(h.Handle)
}
