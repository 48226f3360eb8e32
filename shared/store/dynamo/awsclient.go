package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// NewClient returns a DynamoDB client: the default AWS configuration, or,
// when endpoint is set, DynamoDB Local at that endpoint with static
// development credentials.
func NewClient(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	var opts []func(*config.LoadOptions) error
	if endpoint != "" {
		opts = append(opts,
			config.WithRegion("us-east-1"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("tollgatelocal", "tollgatelocal", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.DisableValidateResponseChecksum = true
		}
	}), nil
}

// Open returns the store the functions and the local stack use: over
// table, through NewClient(ctx, endpoint), refusing any change made
// without its audit record.
func Open(ctx context.Context, endpoint, table string) (*Store, error) {
	db, err := NewClient(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	return New(db, table).RequireAudit(), nil
}
