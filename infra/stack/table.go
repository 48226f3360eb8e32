package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// TableProps configures the Table construct. It has no options yet: the
// table's keys come from shared/store/dynamo and its safety settings are not
// negotiable.
type TableProps struct{}

// Table is Tollgate's single DynamoDB table, declared with the same keys and
// indexes as dynamo.CreateTableInput.
type Table struct {
	constructs.Construct
	// Table is the DynamoDB table; grant access through its Grant* methods.
	Table awsdynamodb.Table
}

// NewTable declares the table: on-demand billing, point-in-time recovery,
// deletion protection, AWS managed KMS encryption, TTL on the ttl attribute.
func NewTable(scope constructs.Construct, id string, _ *TableProps) *Table {
	this := constructs.NewConstruct(scope, &id)
	str := awsdynamodb.AttributeType_STRING
	table := awsdynamodb.NewTable(this, jsii.String("Resource"), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(dynamo.AttrPK), Type: str},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String(dynamo.AttrSK), Type: str},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(dynamo.AttrTTL),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
		Encryption:         awsdynamodb.TableEncryption_AWS_MANAGED,
	})
	// The owner listings index and the sparse expiry index (only expiring
	// credentials carry GSI2PK), as dynamo.CreateTableInput declares them.
	for _, gsi := range [][3]string{
		{dynamo.IndexOwner, dynamo.AttrGSI1PK, dynamo.AttrGSI1SK},
		{dynamo.IndexExpiry, dynamo.AttrGSI2PK, dynamo.AttrGSI2SK},
	} {
		table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(gsi[0]),
			PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(gsi[1]), Type: str},
			SortKey:        &awsdynamodb.Attribute{Name: jsii.String(gsi[2]), Type: str},
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return &Table{Construct: this, Table: table}
}
