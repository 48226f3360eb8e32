// Command issuekeys is the management API Lambda: users, API keys, personal
// JWTs, refresh tokens, clients, SAS and the audit log (certificates are
// the certificates function's).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/functions/internal/coldstart"
	"github.com/tollgate/tollgate/shared/management"
)

func main() {
	d, err := coldstart.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := management.NewIssueKeys(d.Store, management.Configured(d.Config, d.Signer, d.Sealer, d.Clock, d.Logger))
	lambda.Start(h.Handle)
}
