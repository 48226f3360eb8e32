package stack

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/store/dynamo"
)

func TestTable(t *testing.T) {
	s := newStack()
	NewTable(s, "Table", nil)
	tpl := assertions.Template_FromStack(s, nil)

	local := dynamo.CreateTableInput("local") // the table the local stack and integration tests create
	checkProps(t, tpl, "AWS::DynamoDB::Table", []propsCase{
		{"key schema as in dynamo.CreateTableInput", map[string]any{"KeySchema": keySchema(local.KeySchema)}},
		{"attribute definitions as in dynamo.CreateTableInput", map[string]any{"AttributeDefinitions": attributeDefinitions(local.AttributeDefinitions)}},
		{"indexes as in dynamo.CreateTableInput", map[string]any{"GlobalSecondaryIndexes": indexes(local.GlobalSecondaryIndexes)}},
		{"TTL on ttl", map[string]any{"TimeToLiveSpecification": map[string]any{"AttributeName": dynamo.AttrTTL, "Enabled": true}}},
		{"point-in-time recovery", map[string]any{"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true}}},
		{"deletion protection", map[string]any{"DeletionProtectionEnabled": true}},
		{"on-demand billing", map[string]any{"BillingMode": "PAY_PER_REQUEST"}},
		{"KMS encryption", map[string]any{"SSESpecification": map[string]any{"SSEEnabled": true}}},
		{"no physical name", map[string]any{"TableName": assertions.Match_Absent()}},
	})
	t.Run("one table, retained on delete and replace", func(t *testing.T) {
		check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
		check(t, func() {
			tpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
				"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
			})
		})
	})
}

func keySchema(ks []types.KeySchemaElement) []any {
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = map[string]any{"AttributeName": *k.AttributeName, "KeyType": string(k.KeyType)}
	}
	return out
}

func attributeDefinitions(ads []types.AttributeDefinition) []any {
	out := make([]any, len(ads))
	for i, a := range ads {
		out[i] = map[string]any{"AttributeName": *a.AttributeName, "AttributeType": string(a.AttributeType)}
	}
	return out
}

func indexes(gsis []types.GlobalSecondaryIndex) []any {
	out := make([]any, len(gsis))
	for i, g := range gsis {
		out[i] = map[string]any{
			"IndexName":  *g.IndexName,
			"KeySchema":  keySchema(g.KeySchema),
			"Projection": map[string]any{"ProjectionType": string(g.Projection.ProjectionType)},
		}
	}
	return out
}
