package stack

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// TestAPIFunctions checks that each function behind the API gets exactly
// the table and KMS access it uses.
func TestAPIFunctions(t *testing.T) {
	s := newStack()
	table := NewTable(s, "Table", nil)
	keys := NewKeys(s, "Keys", nil)
	f := NewAPIFunctions(s, &APIFunctionsProps{Table: table, Keys: keys})
	tpl := assertions.Template_FromStack(s, nil)

	tableArn := map[string]any{"Fn::GetAtt": []any{logicalID(s, table.Table), "Arn"}}
	readWrite := []string{"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
		"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
		"dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"}
	indexArn := map[string]any{"Fn::Join": []any{"", []any{tableArn, "/index/*"}}}
	tests := []struct {
		name      string
		fn        *Function
		actions   []string
		resources []any
	}{
		// Seven statements, each on the base table: GetItem, UpdateItem of
		// lastUsedAt and of the three metering counters, PutItem of
		// metering events and of DPoP proofs' jti records, under the
		// conditions TestLeastPrivilegeConditions checks.
		{"authorizer: GetItem, UpdateItem and PutItem on the base table", f.Authorizer,
			[]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:UpdateItem", "dynamodb:UpdateItem", "dynamodb:UpdateItem"},
			[]any{tableArn, tableArn, tableArn, tableArn, tableArn, tableArn, tableArn}},
		{"issuekeys: read and write data, indexes included", f.IssueKeys, readWrite, []any{tableArn, indexArn}},
		{"token: read and write data, indexes included", f.Token, readWrite, []any{tableArn, indexArn}},
		// Two statements, each on the base table (no index, no Query or
		// Scan): GetItem, and PutItem and DeleteItem, under the conditions
		// TestLeastPrivilegeConditions checks.
		{"certificates: GetItem, PutItem and DeleteItem on the base table", f.Certificates,
			[]string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}, []any{tableArn, tableArn}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			role := logicalID(s, tc.fn.Function.Role())
			actions, arns := dynamoGrants(tpl, role)
			if strings.Join(actions, " ") != strings.Join(tc.actions, " ") {
				t.Errorf("DynamoDB actions\n got %v\nwant %v", actions, tc.actions)
			}
			if jsonString(arns) != jsonString(tc.resources) {
				t.Errorf("DynamoDB resources\n got %s\nwant %s", jsonString(arns), jsonString(tc.resources))
			}
		})
	}

	signingArn := map[string]any{"Fn::GetAtt": []any{logicalID(s, keys.Signing), "Arn"}}
	sealArn := map[string]any{"Fn::GetAtt": []any{logicalID(s, keys.Seal), "Arn"}}
	kmsTests := []struct {
		name string
		fn   *Function
		want map[string][]any // action: keys
	}{
		{"authorizer: kms:GetPublicKey on the signing key, kms:Decrypt on the seal key, no kms:Sign or kms:GenerateDataKey", f.Authorizer, map[string][]any{
			"kms:GetPublicKey": {signingArn}, "kms:Decrypt": {sealArn},
		}},
		{"issuekeys: signs with the signing key, seals SAS keys with the seal key", f.IssueKeys, map[string][]any{
			"kms:GetPublicKey": {signingArn}, "kms:Sign": {signingArn},
			"kms:GenerateDataKey": {sealArn}, "kms:Decrypt": {sealArn},
		}},
		{"token: signs with the signing key, seals refresh successors and opens SAS keys (introspection) with the seal key", f.Token, map[string][]any{
			"kms:GetPublicKey": {signingArn}, "kms:Sign": {signingArn},
			"kms:GenerateDataKey": {sealArn}, "kms:Decrypt": {sealArn, sealArn}, // one statement per purpose
		}},
		{"certificates: no KMS access", f.Certificates, map[string][]any{}},
	}
	for _, tc := range kmsTests {
		t.Run(tc.name, func(t *testing.T) {
			got := policyGrants(tpl, logicalID(s, tc.fn.Function.Role()), "kms:")
			if jsonString(got) != jsonString(tc.want) {
				t.Errorf("KMS grants\n got %s\nwant %s", jsonString(got), jsonString(tc.want))
			}
		})
	}
}

// dynamoGrants collects the DynamoDB actions (sorted) and resources the
// policies attached to role allow.
func dynamoGrants(tpl assertions.Template, role string) (actions []string, arns []any) {
	for _, st := range roleStatements(tpl, role) {
		dynamo := false
		for _, a := range st.actions {
			if s, _ := a.(string); strings.HasPrefix(s, "dynamodb:") {
				actions = append(actions, s)
				dynamo = true
			}
		}
		if dynamo {
			arns = append(arns, st.arns...)
		}
	}
	sort.Strings(actions)
	return actions, arns
}
