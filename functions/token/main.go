// Command token is the OAuth token function: /oauth/token, /oauth/revoke,
// /oauth/introspect, the JWKS and the authorization server metadata.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/functions/internal/coldstart"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/oauth"
)

func main() {
	d, err := coldstart.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	// Introspection and token exchange take the authorizer's decision.
	in := authorizer.New(d.Store, authorizer.Inspecting(d.Config, d.Keys, d.Sealer, d.Clock, d.Logger))
	h := oauth.New(d.Store, oauth.Configured(d.Config, d.Signer, d.Keys, d.Sealer, in, d.Clock, d.Logger))
	lambda.Start(h.Handle)
}
