package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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

// TableCreator is the part of the client EnsureTable uses.
type TableCreator interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTable(context.Context, *dynamodb.UpdateTableInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTableOutput, error)
}

// EnsureTable creates the table if it does not exist, and adds any index a
// table made by an older version lacks (local stack and tests; in AWS the
// CDK stack owns the table).
func EnsureTable(ctx context.Context, db TableCreator, name string) error {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		if _, err := db.CreateTable(ctx, CreateTableInput(name)); err != nil {
			return fmt.Errorf("creating table %s: %w", name, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, gsi := range out.Table.GlobalSecondaryIndexes {
		have[aws.ToString(gsi.IndexName)] = true
	}
	in := CreateTableInput(name)
	for _, gsi := range in.GlobalSecondaryIndexes {
		if have[aws.ToString(gsi.IndexName)] {
			continue
		}
		_, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{
			TableName: aws.String(name), AttributeDefinitions: in.AttributeDefinitions,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: gsi.IndexName, KeySchema: gsi.KeySchema, Projection: gsi.Projection,
			}}},
		})
		if err != nil {
			return fmt.Errorf("adding index %s to table %s: %w", aws.ToString(gsi.IndexName), name, err)
		}
	}
	return nil
}
