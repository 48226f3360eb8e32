// Command token is the OAuth token function: /oauth/token, /oauth/revoke,
// /oauth/introspect, the JWKS and the authorization server metadata. It
// signs and publishes the keyring, so it reads every signing key at start.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/functions/internal/coldstart"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
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
	// Introspection and token exchange take the authorizer's decision.
	in := authorizer.New(d.Store, authorizer.Inspecting(d.Config, keys, d.Sealer, d.Clock, d.Logger))
	h := oauth.New(d.Store, oauth.Configured(d.Config, signer, keys, d.Sealer, in, d.Clock, d.Logger))
	lambda.Start(h.Handle)
}
