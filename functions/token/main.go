// Command token is the OAuth token function: /oauth/token, /oauth/revoke,
// the JWKS and the authorization server metadata.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/functions/internal/coldstart"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/oauth"
)

func main() {
	ctx := context.Background()
	d, err := coldstart.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	signer, keys, err := accesstoken.LoadKMS(ctx, d.KMS, d.Config.SigningKeys)
	if err != nil {
		log.Fatal(err)
	}
	h := oauth.New(d.Store, oauth.Configured(d.Config, signer, keys, d.Sealer, d.Clock, d.Logger))
	lambda.Start(h.Handle)
}
