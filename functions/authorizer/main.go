// Command authorizer is the API Gateway REQUEST authorizer Lambda. It
// verifies JWTs but never signs: it reads the signing keys' public halves
// from KMS on the first JWT, not at cold start.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/functions/internal/coldstart"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
)

func main() {
	d, err := coldstart.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	keys := accesstoken.NewKMSKeyring(d.KMS, d.Config.SigningKeys)
	a := authorizer.New(d.Store, authorizer.Configured(d.Config, keys, d.Sealer, d.Clock, d.Logger))
	lambda.Start(a.Handle)
}
