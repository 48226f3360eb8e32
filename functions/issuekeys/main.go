// Command issuekeys is the management API Lambda: users, API keys, personal
// JWTs, refresh tokens, clients, SAS and the audit log (certificates are
// the certificates function's), and GitHub's secret scanning reports. It
// signs personal JWTs with the first signing key only, so it reads that
// key's public half alone.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/functions/internal/coldstart"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/scanning"
)

func main() {
	ctx := context.Background()
	d, err := coldstart.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := accesstoken.NewKMSSigner(ctx, d.KMS, d.Config.SigningKeys[0])
	if err != nil {
		log.Fatal(err)
	}
	scan, err := scanning.Configured(d.Config, d.Clock, d.Logger)
	if err != nil {
		log.Fatal(err)
	}
	h := management.NewIssueKeys(d.Store, management.Configured(d.Config, signer, d.Sealer, d.Clock, d.Logger)).
		Serving(scanning.Method, scanning.Resource, scanning.New(d.Store, scan).Handle)
	lambda.Start(h.Handle)
}
