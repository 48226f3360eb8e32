// Command issuekeys is the management API Lambda: users, API keys, personal
// JWTs, refresh tokens, clients, SAS and the audit log (certificates are
// the certificates function's), and GitHub's secret scanning reports.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/functions/internal/coldstart"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/scanning"
)

func main() {
	d, err := coldstart.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	scan, err := scanning.Configured(d.Config, d.Clock, d.Logger)
	if err != nil {
		log.Fatal(err)
	}
	h := management.NewIssueKeys(d.Store, management.Configured(d.Config, d.Signer, d.Sealer, d.Clock, d.Logger)).
		Serving(scanning.Method, scanning.Resource, scanning.New(d.Store, scan).Handle)
	lambda.Start(h.Handle)
}
