// Command sweeper is the scheduled expiry sweep Lambda.
package main

import (
	"context"
	"log"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/sweep"
)

func main() {
	ctx := context.Background()
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx) // one AWS configuration for every client
	if err != nil {
		log.Fatal(err)
	}
	st, err := dynamo.Open(ctx, awsCfg, cfg.DynamoDBEndpoint, cfg.Table)
	if err != nil {
		log.Fatal(err)
	}
	bus := sweep.NewEventBridge(awsCfg, cfg.EventBus)
	s := &sweep.Sweeper{Store: st, Publisher: bus, Clock: clock.Real{}, Options: sweep.Configured(cfg)}
	lambda.Start(s.Handle)
}
