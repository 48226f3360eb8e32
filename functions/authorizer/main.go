// Command authorizer is the API Gateway REQUEST authorizer Lambda.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/envelope"
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
	_, keys, kc, err := accesstoken.OpenKMS(context.Background(), cfg.SigningKeys)
	if err != nil {
		log.Fatal(err)
	}
	sealer := envelope.NewKMS(kc, cfg.SealKey)
	a := authorizer.New(st, authorizer.Options{
		ProjectID: cfg.ProjectID, CacheTTL: cfg.CacheTTL(), StoreTimeout: cfg.StoreTimeout, QueryTokens: cfg.QueryTokens,
		Routes: access.NewTable(access.Routes), Clock: clock.Real{}, Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
		Verifier: &accesstoken.Verifier{Keys: keys, Issuer: cfg.Issuer, Audience: cfg.Audience, Clock: clock.Real{}},
		Sealer:   sealer,
	})
	lambda.Start(a.Handle)
}
