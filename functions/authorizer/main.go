// Command authorizer is the API Gateway REQUEST authorizer Lambda.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/functions/internal/coldstart"
	"github.com/tollgate/tollgate/shared/authorizer"
)

func main() {
	d, err := coldstart.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	a := authorizer.New(d.Store, authorizer.Configured(d.Config, d.Keys, d.Sealer, d.Clock, d.Logger))
	lambda.Start(a.Handle)
}
