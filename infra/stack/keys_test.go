package stack

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

func TestKeys(t *testing.T) {
	s := newStack()
	NewKeys(s, "Keys", nil)
	tpl := assertions.Template_FromStack(s, nil)

	checkProps(t, tpl, "AWS::KMS::Key", []propsCase{
		{"signing key: P-256, sign and verify, no automatic rotation (KMS has none for asymmetric keys)", map[string]any{
			"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY", "EnableKeyRotation": assertions.Match_Absent(),
		}},
		{"seal key: symmetric, encrypt and decrypt, rotated", map[string]any{
			"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "EnableKeyRotation": true,
		}},
	})
	t.Run("two keys, both retained on delete and replace", func(t *testing.T) {
		check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(2)) })
		for id, key := range resources(tpl, "AWS::KMS::Key") {
			if key["DeletionPolicy"] != "Retain" || key["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("key %s: DeletionPolicy %v, UpdateReplacePolicy %v; want Retain", id, key["DeletionPolicy"], key["UpdateReplacePolicy"])
			}
		}
	})
	t.Run("no aliases (physical names)", func(t *testing.T) {
		check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::KMS::Alias"), jsii.Number(0)) })
	})
	checkCreateGrant(t, tpl)
}

// TestKeysGrants checks each grant helper gives exactly the KMS actions
// accesstoken.LoadKMS and envelope call, on the right key.
func TestKeysGrants(t *testing.T) {
	const retired = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000001"
	tests := []struct {
		name  string
		props *KeysProps
		grant func(*Keys, awsiam.IGrantable)
		// want maps each action to the keys it is granted on: "signing",
		// "seal" or an ARN.
		want map[string][]string
	}{
		{"GrantVerify", nil, (*Keys).GrantVerify, map[string][]string{
			"kms:GetPublicKey": {"signing"},
		}},
		{"GrantSign", nil, (*Keys).GrantSign, map[string][]string{
			"kms:GetPublicKey": {"signing"}, "kms:Sign": {"signing"},
		}},
		{"GrantOpen: decrypt only", nil, func(k *Keys, g awsiam.IGrantable) { k.GrantOpen(g, PurposeSAS) }, map[string][]string{
			"kms:Decrypt": {"seal"},
		}},
		{"GrantSeal", nil, func(k *Keys, g awsiam.IGrantable) { k.GrantSeal(g, PurposeRefresh) }, map[string][]string{
			"kms:GenerateDataKey": {"seal"}, "kms:Decrypt": {"seal"},
		}},
		{"GrantVerify with a retired key", &KeysProps{SigningKeyGeneration: 2, RetiredSigningKeyArns: []string{retired}},
			(*Keys).GrantVerify, map[string][]string{
				"kms:GetPublicKey": {"signing", retired},
			}},
		{"GrantSign with a retired key signs with the new key only", &KeysProps{SigningKeyGeneration: 2, RetiredSigningKeyArns: []string{retired}},
			(*Keys).GrantSign, map[string][]string{
				"kms:GetPublicKey": {"signing", retired}, "kms:Sign": {"signing"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack()
			keys := NewKeys(s, "Keys", tc.props)
			role := awsiam.NewRole(s, jsii.String("Role"), &awsiam.RoleProps{
				AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			})
			tc.grant(keys, role)
			tpl := assertions.Template_FromStack(s, nil)

			names := map[string]string{
				jsonString(map[string]any{"Fn::GetAtt": []any{logicalID(s, keys.Signing), "Arn"}}): "signing",
				jsonString(map[string]any{"Fn::GetAtt": []any{logicalID(s, keys.Seal), "Arn"}}):    "seal",
			}
			got := map[string][]string{}
			for action, arns := range policyGrants(tpl, logicalID(s, role), "kms:") {
				for _, arn := range arns {
					name, ok := names[jsonString(arn)]
					if !ok {
						name, _ = arn.(string)
					}
					got[action] = append(got[action], name)
				}
				sort.Strings(got[action])
			}
			for _, names := range tc.want {
				sort.Strings(names)
			}
			if jsonString(got) != jsonString(tc.want) {
				t.Errorf("grants\n got %s\nwant %s", jsonString(got), jsonString(tc.want))
			}
			// The key policies stay CDK's default (the account, which
			// delegates to IAM) and the deny of grants: grants go to the
			// role's policy only.
			for id, key := range resources(tpl, "AWS::KMS::Key") {
				if stmts := policyStatements(props(key)["KeyPolicy"]); len(stmts) != 2 || !isCreateGrantDeny(stmts[1]) {
					t.Errorf("key %s: key policy %s, want the default statement and the deny of grants", id, jsonString(stmts))
				}
			}
		})
	}
}

func TestKeysRotation(t *testing.T) {
	const retired = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000001"
	first, second := newStack(), newStack()
	k1 := NewKeys(first, "Keys", nil)
	k2 := NewKeys(second, "Keys", &KeysProps{SigningKeyGeneration: 2, RetiredSigningKeyArns: []string{retired}})

	id1, id2 := logicalID(first, k1.Signing), logicalID(second, k2.Signing)
	explicit := NewKeys(newStack(), "Keys", &KeysProps{SigningKeyGeneration: 1})
	if id := logicalID(explicit.Signing.Stack(), explicit.Signing); id != id1 {
		t.Errorf("generation 1 declares signing key %s, the default %s: they must be the same key", id, id1)
	}
	if id1 == id2 {
		t.Errorf("generation 2 keeps the signing key's logical ID %s: CloudFormation would not create a new key", id1)
	}
	if a, b := logicalID(first, k1.Seal), logicalID(second, k2.Seal); a != b {
		t.Errorf("the seal key's logical ID changed with the signing key generation: %s, %s", a, b)
	}
	if got, want := jsonString(first.Resolve(k1.SigningKeys())), jsonString(map[string]any{"Fn::GetAtt": []any{id1, "Arn"}}); got != want {
		t.Errorf("SigningKeys without retired keys = %s, want %s", got, want)
	}
	want := jsonString(map[string]any{"Fn::Join": []any{",", []any{map[string]any{"Fn::GetAtt": []any{id2, "Arn"}}, retired}}})
	if got := jsonString(second.Resolve(k2.SigningKeys())); got != want {
		t.Errorf("SigningKeys after a rotation = %s, want the new key first, then the retired one: %s", got, want)
	}

	msg, ok := panics(func() { NewKeys(newStack(), "Keys", &KeysProps{SigningKeyGeneration: -1}) })
	if !ok || !strings.Contains(msg, "must not be negative") {
		t.Errorf("negative generation: panic %v %q", ok, msg)
	}
}

// policyGrants maps each action whose name starts with prefix, in the
// policies attached to role, to the resources it is allowed on (in
// sortByJSON order).
func policyGrants(tpl assertions.Template, role, prefix string) map[string][]any {
	out := map[string][]any{}
	for _, st := range roleStatements(tpl, role) {
		for _, a := range st.actions {
			if a, _ := a.(string); strings.HasPrefix(a, prefix) {
				out[a] = append(out[a], st.arns...)
			}
		}
	}
	for _, arns := range out {
		sortByJSON(arns)
	}
	return out
}

// statement is a policy statement's actions and resources.
type statement struct{ actions, arns []any }

// roleStatements returns the statements of the policies attached to role.
func roleStatements(tpl assertions.Template, role string) []statement {
	var out []statement
	for _, policy := range resources(tpl, "AWS::IAM::Policy") {
		p := props(policy)
		if jsonString(p["Roles"]) != jsonString([]any{map[string]any{"Ref": role}}) {
			continue
		}
		doc, _ := p["PolicyDocument"].(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		for _, st := range stmts {
			st, _ := st.(map[string]any)
			out = append(out, statement{actions: asList(st["Action"]), arns: asList(st["Resource"])})
		}
	}
	return out
}

// asList is v if it is a list, else a list of v.
func asList(v any) []any {
	if list, ok := v.([]any); ok {
		return list
	}
	return []any{v}
}

// sortByJSON sorts CloudFormation values by their JSON, so lists of ARNs
// and intrinsics compare as sets.
func sortByJSON(vs []any) {
	sort.Slice(vs, func(i, j int) bool { return jsonString(vs[i]) < jsonString(vs[j]) })
}

// checkCreateGrant checks, in a subtest, that tpl allows kms:CreateGrant
// only for AWS resources: every key policy holds the deny of AWS Control
// Tower's CT.KMS.PR.3 (isCreateGrantDeny), and every statement of a key
// policy or an IAM policy that allows kms:CreateGrant either is conditioned
// on kms:GrantIsForAWSResource true or, in a key policy, names only AWS
// account principals, which that deny then holds to the condition.
func checkCreateGrant(t *testing.T, tpl assertions.Template) {
	t.Helper()
	t.Run("kms:CreateGrant only for AWS resources, in every key and IAM policy", func(t *testing.T) {
		keys := resources(tpl, "AWS::KMS::Key")
		for id, key := range keys {
			stmts := policyStatements(props(key)["KeyPolicy"])
			deny := slices.ContainsFunc(stmts, isCreateGrantDeny)
			if !deny {
				t.Errorf("key %s: no CT.KMS.PR.3 deny of kms:CreateGrant in %s", id, jsonString(stmts))
			}
			for _, st := range stmts {
				if allowsCreateGrant(st) && !grantIsForAWSResource(st) && !(deny && accountPrincipalsOnly(st)) {
					t.Errorf("key %s: kms:CreateGrant allowed without kms:GrantIsForAWSResource: %s", id, jsonString(st))
				}
			}
		}
		policies := 0
		for typ, documents := range map[string]func(p map[string]any) []any{
			"AWS::IAM::Policy":        func(p map[string]any) []any { return []any{p["PolicyDocument"]} },
			"AWS::IAM::ManagedPolicy": func(p map[string]any) []any { return []any{p["PolicyDocument"]} },
			"AWS::IAM::Role": func(p map[string]any) []any {
				var out []any
				for _, inline := range asList(p["Policies"]) {
					if inline, ok := inline.(map[string]any); ok {
						out = append(out, inline["PolicyDocument"])
					}
				}
				return out
			},
		} {
			for id, r := range resources(tpl, typ) {
				for _, doc := range documents(props(r)) {
					policies++
					for _, st := range policyStatements(doc) {
						if allowsCreateGrant(st) && !grantIsForAWSResource(st) {
							t.Errorf("%s %s: kms:CreateGrant allowed without kms:GrantIsForAWSResource: %s", typ, id, jsonString(st))
						}
					}
				}
			}
		}
		t.Logf("%d key policies and %d IAM policy documents checked", len(keys), policies)
	})
}

// policyStatements returns a policy document's statements.
func policyStatements(document any) []map[string]any {
	doc, _ := document.(map[string]any)
	var out []map[string]any
	for _, st := range asList(doc["Statement"]) {
		if st, ok := st.(map[string]any); ok {
			out = append(out, st)
		}
	}
	return out
}

// isCreateGrantDeny reports whether st is the statement AWS Control
// Tower's CT.KMS.PR.3 guard rule (kms_create_grant_aws_service_check)
// requires in a key policy: a Deny of kms:CreateGrant to every principal
// on the key, when kms:GrantIsForAWSResource and aws:PrincipalIsAWSService
// are both false (BoolIfExists).
func isCreateGrantDeny(st map[string]any) bool {
	return st["Effect"] == "Deny" &&
		jsonString(asList(st["Action"])) == `["kms:CreateGrant"]` &&
		(st["Principal"] == "*" || jsonString(st["Principal"]) == `{"AWS":"*"}`) &&
		jsonString(asList(st["Resource"])) == `["*"]` &&
		jsonString(st["Condition"]) == `{"BoolIfExists":{"aws:PrincipalIsAWSService":"false","kms:GrantIsForAWSResource":"false"}}`
}

// allowsCreateGrant reports whether st allows kms:CreateGrant: an Allow
// whose Action has a pattern matching it ("*", "kms:*", "kms:Create*"...),
// or whose NotAction has none.
func allowsCreateGrant(st map[string]any) bool {
	if st["Effect"] != "Allow" {
		return false
	}
	matches := func(actions any) bool {
		return slices.ContainsFunc(asList(actions), func(a any) bool {
			pattern, _ := a.(string)
			ok, _ := path.Match(strings.ToLower(pattern), "kms:creategrant")
			return ok
		})
	}
	if notActions, ok := st["NotAction"]; ok {
		return !matches(notActions)
	}
	return matches(st["Action"])
}

// grantIsForAWSResource reports whether st is conditioned on
// kms:GrantIsForAWSResource being true.
func grantIsForAWSResource(st map[string]any) bool {
	cond, _ := st["Condition"].(map[string]any)
	b, _ := cond["Bool"].(map[string]any)
	return fmt.Sprint(b["kms:GrantIsForAWSResource"]) == "true"
}

// accountPrincipalsOnly reports whether st's principals are all AWS
// principals (accounts, roles, users): none is an AWS service, for which
// aws:PrincipalIsAWSService would lift the CT.KMS.PR.3 deny.
func accountPrincipalsOnly(st map[string]any) bool {
	p, ok := st["Principal"].(map[string]any)
	if !ok || len(p) != 1 || p["AWS"] == nil {
		return false
	}
	return !slices.ContainsFunc(asList(p["AWS"]), func(a any) bool { return a == "*" })
}

// TestCreateGrantCheck shows what checkCreateGrant counts as allowing
// kms:CreateGrant without kms:GrantIsForAWSResource.
func TestCreateGrantCheck(t *testing.T) {
	account := map[string]any{"AWS": "arn:aws:iam::123456789012:root"}
	forAWSResource := map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}
	tests := []struct {
		name                 string
		statement            map[string]any
		allows, conditioned  bool
		accountPrincipalOnly bool
	}{
		{"CDK's default key policy statement: kms:* to the account", map[string]any{
			"Effect": "Allow", "Principal": account, "Action": "kms:*", "Resource": "*"}, true, false, true},
		{"every action", map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}, true, false, false},
		{"kms:Create*, case folded", map[string]any{"Effect": "Allow", "Action": []any{"KMS:create*"}, "Resource": "*"}, true, false, false},
		{"kms:CreateGrant conditioned", map[string]any{
			"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*", "Condition": forAWSResource}, true, true, false},
		{"NotAction without it", map[string]any{"Effect": "Allow", "NotAction": "kms:Decrypt", "Resource": "*"}, true, false, false},
		{"NotAction with it", map[string]any{"Effect": "Allow", "NotAction": "kms:Create*", "Resource": "*"}, false, false, false},
		{"other KMS actions", map[string]any{"Effect": "Allow", "Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}}, false, false, false},
		{"a service principal", map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"}, "Action": "kms:*"}, true, false, false},
		{"every principal", map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "kms:*"}, true, false, false},
		{"a Deny", map[string]any{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := allowsCreateGrant(tc.statement); got != tc.allows {
				t.Errorf("allowsCreateGrant = %v, want %v", got, tc.allows)
			}
			if got := grantIsForAWSResource(tc.statement); got != tc.conditioned {
				t.Errorf("grantIsForAWSResource = %v, want %v", got, tc.conditioned)
			}
			if got := accountPrincipalsOnly(tc.statement); got != tc.accountPrincipalOnly {
				t.Errorf("accountPrincipalsOnly = %v, want %v", got, tc.accountPrincipalOnly)
			}
		})
	}
}
