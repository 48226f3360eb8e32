package stack

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestLeastPrivilegeConditions checks the conditions that narrow the API
// functions' grants: the authorizer's UpdateItem reaches an API key's
// lastUsedAt and the metering counters only, its PutItem metering events
// and DPoP proofs' jti records only, and each function's seal-key grant only the sealed values
// of its purpose (the encryption context envelope gives KMS).
func TestLeastPrivilegeConditions(t *testing.T) {
	s := newStack()
	f := NewAPIFunctions(s, &APIFunctionsProps{Table: NewTable(s, "Table", nil), Keys: NewKeys(s, "Keys", nil)})
	tpl := assertions.Template_FromStack(s, nil)

	purpose := func(pattern string) map[string]any {
		return map[string]any{"StringLike": map[string]any{"kms:EncryptionContext:tollgate": []any{pattern}}}
	}
	tests := []struct {
		name      string
		fn        *Function
		statement map[string]any
	}{
		{"authorizer: UpdateItem on API key records, lastUsedAt only, nothing returned", f.Authorizer, map[string]any{
			"Action": "dynamodb:UpdateItem", "Effect": "Allow",
			"Condition": map[string]any{
				"ForAllValues:StringLike":   map[string]any{"dynamodb:LeadingKeys": []any{"P#*#KEY#*"}},
				"ForAllValues:StringEquals": map[string]any{"dynamodb:Attributes": []any{"PK", "SK", "lastUsedAt"}},
				"StringEqualsIfExists":      map[string]any{"dynamodb:ReturnValues": "NONE"},
			},
		}},
		{"authorizer: UpdateItem of rate-limit counters, the count and its TTL only", f.Authorizer, map[string]any{
			"Action": "dynamodb:UpdateItem", "Effect": "Allow",
			"Condition": map[string]any{
				"ForAllValues:StringLike":   map[string]any{"dynamodb:LeadingKeys": []any{"P#*#RATE#*"}},
				"ForAllValues:StringEquals": map[string]any{"dynamodb:Attributes": []any{"PK", "SK", "used", "ttl"}},
				"StringEqualsIfExists":      map[string]any{"dynamodb:ReturnValues": "UPDATED_NEW"},
			},
		}},
		{"authorizer: UpdateItem of quota balances on keys and clients only", f.Authorizer, map[string]any{
			"Action": "dynamodb:UpdateItem", "Effect": "Allow",
			"Condition": map[string]any{
				"ForAllValues:StringLike":   map[string]any{"dynamodb:LeadingKeys": []any{"P#*#KEY#*", "P#*#CRED#*"}},
				"ForAllValues:StringEquals": map[string]any{"dynamodb:Attributes": []any{"PK", "SK", "quotaRemaining", "quotaPeriod"}},
				"StringEqualsIfExists":      map[string]any{"dynamodb:ReturnValues": "NONE"},
			},
		}},
		{"authorizer: UpdateItem of usage counts only", f.Authorizer, map[string]any{
			"Action": "dynamodb:UpdateItem", "Effect": "Allow",
			"Condition": map[string]any{
				"ForAllValues:StringLike":   map[string]any{"dynamodb:LeadingKeys": []any{"P#*#USAGE#*"}},
				"ForAllValues:StringEquals": map[string]any{"dynamodb:Attributes": []any{"PK", "SK", "authorized", "refused", "ttl"}},
				"StringEqualsIfExists":      map[string]any{"dynamodb:ReturnValues": "NONE"},
			},
		}},
		{"authorizer: PutItem of metering events only, their attributes, nothing returned", f.Authorizer, map[string]any{
			"Action": "dynamodb:PutItem", "Effect": "Allow",
			"Condition": map[string]any{
				"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{"P#*#EVENTS#*"}},
				"ForAllValues:StringEquals": map[string]any{"dynamodb:Attributes": []any{
					"PK", "SK", "eventType", "credentialId", "credentialType", "owner", "at", "ttl"}},
				"StringEqualsIfExists": map[string]any{"dynamodb:ReturnValues": "NONE"},
			},
		}},
		{"authorizer: PutItem of DPoP proofs' jti records only, their attributes, nothing returned", f.Authorizer, map[string]any{
			"Action": "dynamodb:PutItem", "Effect": "Allow",
			"Condition": map[string]any{
				"ForAllValues:StringLike":   map[string]any{"dynamodb:LeadingKeys": []any{"P#*#JTI#dpop:*"}},
				"ForAllValues:StringEquals": map[string]any{"dynamodb:Attributes": []any{"PK", "SK", "projectId", "expiresAt", "ttl"}},
				"StringEqualsIfExists":      map[string]any{"dynamodb:ReturnValues": "NONE"},
			},
		}},
		{"authorizer: kms:Decrypt of SAS keys only", f.Authorizer, map[string]any{
			"Action": "kms:Decrypt", "Effect": "Allow", "Condition": purpose("sas/*"),
		}},
		{"issuekeys: seals and opens SAS keys only", f.IssueKeys, map[string]any{
			"Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Effect": "Allow", "Condition": purpose("sas/*"),
		}},
		{"token: seals and opens refresh-token successors only", f.Token, map[string]any{
			"Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Effect": "Allow", "Condition": purpose("refresh/*"),
		}},
		{"certificates: GetItem of users and their bindings only", f.Certificates, map[string]any{
			"Action": "dynamodb:GetItem", "Effect": "Allow",
			"Condition": map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{"P#*#USER#*"}}},
		}},
		{"certificates: PutItem and DeleteItem of bindings, proof jtis and audit records only", f.Certificates, map[string]any{
			"Action": []any{"dynamodb:DeleteItem", "dynamodb:PutItem"}, "Effect": "Allow",
			"Condition": map[string]any{"ForAllValues:StringLike": map[string]any{
				"dynamodb:LeadingKeys": []any{"P#*#CERT#*", "P#*#USER#*", "P#*#JTI#*", "P#*#AUDIT#*"}}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
					"Roles": []any{map[string]any{"Ref": logicalID(s, tc.fn.Function.Role())}},
					"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
						"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&tc.statement)}),
					}),
				})
			})
		})
	}
	checkUnconditioned(t, s, tpl, f)
}

// checkUnconditioned checks that no grant the conditions narrow is also
// given without one: the certificates function's DynamoDB actions, the
// authorizer's writes, and every seal-key use.
func checkUnconditioned(t *testing.T, s awscdk.Stack, tpl assertions.Template, f *APIFunctions) {
	t.Run("no unconditioned DynamoDB action for certificates", func(t *testing.T) {
		for _, st := range roleStatementMaps(tpl, logicalID(s, f.Certificates.Function.Role())) {
			for _, a := range actionList(st["Action"]) {
				if strings.HasPrefix(a, "dynamodb:") && st["Condition"] == nil {
					t.Errorf("certificates: %s granted without a condition: %s", a, jsonString(st))
				}
			}
		}
	})
	t.Run("no unconditioned UpdateItem or PutItem for the authorizer, no unconditioned seal-key use for any", func(t *testing.T) {
		for _, fn := range []*Function{f.Authorizer, f.IssueKeys, f.Token} {
			for _, st := range roleStatementMaps(tpl, logicalID(s, fn.Function.Role())) {
				if st["Condition"] != nil {
					continue
				}
				for _, a := range actionList(st["Action"]) {
					if a == "kms:Decrypt" || a == "kms:GenerateDataKey" || (fn == f.Authorizer && (a == "dynamodb:UpdateItem" || a == "dynamodb:PutItem")) {
						t.Errorf("%s: %s granted without a condition: %s", *fn.Node().Id(), a, jsonString(st))
					}
				}
			}
		}
	})
}

// roleStatementMaps returns the statements of the policies attached to role.
func roleStatementMaps(tpl assertions.Template, role string) []map[string]any {
	var out []map[string]any
	for _, p := range resources(tpl, "AWS::IAM::Policy") {
		if jsonString(props(p)["Roles"]) != jsonString([]any{map[string]any{"Ref": role}}) {
			continue
		}
		doc, _ := props(p)["PolicyDocument"].(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		for _, s := range stmts {
			if m, ok := s.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// actionList is a statement's Action as a list.
func actionList(a any) []string {
	switch a := a.(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, 0, len(a))
		for _, x := range a {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}
