package stack

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/tollgate/tollgate/shared/authz"
)

func TestTollgate(t *testing.T) {
	app := newApp()
	ts := NewTollgate(app, "Tollgate", nil)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)
	annotations := assertions.Annotations_FromStack(ts.Stack) // synthesizes, running the checks
	tpl := assertions.Template_FromStack(ts.Stack, nil)

	t.Run("AwsSolutions checks are clean", func(t *testing.T) {
		nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
		for _, find := range []struct {
			level string
			msgs  func() int
		}{
			{"error", func() int { return report(t, annotations.FindError(jsii.String("*"), nag)) }},
			{"warning", func() int { return report(t, annotations.FindWarning(jsii.String("*"), nag)) }},
		} {
			if n := find.msgs(); n > 0 {
				t.Errorf("%d AwsSolutions %s(s): fix them or suppress each in code with a reason", n, find.level)
			}
		}
	})

	t.Run("one method per route", func(t *testing.T) {
		check(t, func() {
			tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Method"), jsii.Number(float64(len(authz.Routes))))
		})
	})

	table := logicalID(ts.Stack, ts.Table.Table)
	tableArn := map[string]any{"Fn::GetAtt": []any{table, "Arn"}}
	indexArn := map[string]any{"Fn::Join": []any{"", []any{tableArn, "/index/*"}}}
	tests := []struct {
		name      string
		fn        *Function
		actions   []string
		resources []any
	}{
		{"authorizer: GetItem and UpdateItem on the base table", ts.Authorizer,
			[]string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, []any{tableArn}},
		{"issuekeys: read and write data, indexes included", ts.IssueKeys,
			[]string{"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
				"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
				"dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"},
			[]any{tableArn, indexArn}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			role := logicalID(ts.Stack, tc.fn.Function.Role())
			actions, arns := dynamoGrants(tpl, role)
			if strings.Join(actions, " ") != strings.Join(tc.actions, " ") {
				t.Errorf("DynamoDB actions\n got %v\nwant %v", actions, tc.actions)
			}
			if jsonString(arns) != jsonString(tc.resources) {
				t.Errorf("DynamoDB resources\n got %s\nwant %s", jsonString(arns), jsonString(tc.resources))
			}
		})
	}
}

// report logs each synthesis message and returns how many there were.
func report(t *testing.T, msgs *[]*cxapi.SynthesisMessage) int {
	t.Helper()
	for _, m := range *msgs {
		t.Logf("%s: %v", *m.Id, m.Entry.Data)
	}
	return len(*msgs)
}

// dynamoGrants collects the DynamoDB actions (sorted) and resources the
// policies attached to role allow.
func dynamoGrants(tpl assertions.Template, role string) (actions []string, arns []any) {
	for _, policy := range resources(tpl, "AWS::IAM::Policy") {
		p := props(policy)
		if jsonString(p["Roles"]) != jsonString([]any{map[string]any{"Ref": role}}) {
			continue
		}
		doc, _ := p["PolicyDocument"].(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		for _, st := range stmts {
			st, _ := st.(map[string]any)
			acts := st["Action"]
			list, ok := acts.([]any)
			if !ok {
				list = []any{acts}
			}
			dynamo := false
			for _, a := range list {
				if s, _ := a.(string); strings.HasPrefix(s, "dynamodb:") {
					actions = append(actions, s)
					dynamo = true
				}
			}
			if dynamo {
				if rs, ok := st["Resource"].([]any); ok {
					arns = append(arns, rs...)
				} else {
					arns = append(arns, st["Resource"])
				}
			}
		}
	}
	sort.Strings(actions)
	return actions, arns
}
