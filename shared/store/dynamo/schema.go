package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table layout, shared with the CDK app so both describe one schema.
const (
	AttrPK     = "PK"     // partition key (string)
	AttrSK     = "SK"     // sort key (string)
	AttrGSI1PK = "GSI1PK" // owner listing partition
	AttrGSI1SK = "GSI1SK" // owner listing sort key
	AttrGSI2PK = "GSI2PK" // expiry partition: the day a credential expires
	AttrGSI2SK = "GSI2SK" // expiry sort key: <expiresAt>#<kind>#<id>
	AttrTTL    = "ttl"    // epoch seconds after which DynamoDB may delete the item

	IndexOwner  = "GSI1" // owner listings: OWNER#<userId> -> <kind>#<createdAt>#<id>
	IndexExpiry = "GSI2" // expiry sweeps: EXPIRY#<day> -> <expiresAt>#<kind>#<id>, sparse
)

// CreateTableInput is the table definition used by the local stack and the
// integration tests (the CDK app declares the same keys and index).
func CreateTableInput(name string) *dynamodb.CreateTableInput {
	s := types.ScalarAttributeTypeS
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPK), AttributeType: s},
			{AttributeName: aws.String(AttrSK), AttributeType: s},
			{AttributeName: aws.String(AttrGSI1PK), AttributeType: s},
			{AttributeName: aws.String(AttrGSI1SK), AttributeType: s},
			{AttributeName: aws.String(AttrGSI2PK), AttributeType: s},
			{AttributeName: aws.String(AttrGSI2SK), AttributeType: s},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: indexes(),
	}
}

// indexes are the table's global secondary indexes.
func indexes() []types.GlobalSecondaryIndex {
	index := func(name, pk, sk string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{
			IndexName: aws.String(name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}
	}
	return []types.GlobalSecondaryIndex{index(IndexOwner, AttrGSI1PK, AttrGSI1SK), index(IndexExpiry, AttrGSI2PK, AttrGSI2SK)}
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
