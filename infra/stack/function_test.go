package stack

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/config"
)

func TestFunction(t *testing.T) {
	tests := []struct {
		name        string
		props       FunctionProps // Table is filled in
		wantTimeout float64
		wantMemory  float64
		wantEnv     map[string]any // besides TOLLGATE_TABLE
	}{
		{
			name:        "authorizer",
			props:       FunctionProps{Name: FnAuthorizer, Timeout: 5 * time.Second},
			wantTimeout: 5, wantMemory: DefaultMemoryMB,
			wantEnv: map[string]any{config.EnvProjectID: "default", config.EnvAuthorizerCacheTTL: "0s"},
		},
		{
			name:        "issuekeys",
			props:       FunctionProps{Name: access.FnIssueKeys, Timeout: 10 * time.Second},
			wantTimeout: 10, wantMemory: DefaultMemoryMB,
			wantEnv: map[string]any{config.EnvProjectID: "default", config.EnvAuthorizerCacheTTL: "0s"},
		},
		{
			name:        "defaults and extra environment",
			props:       FunctionProps{Name: access.FnIssueKeys, MemoryMB: 512, Environment: map[string]string{config.EnvRevocationBound: "10s"}},
			wantTimeout: DefaultTimeout.Seconds(), wantMemory: 512,
			wantEnv: map[string]any{config.EnvProjectID: "default", config.EnvAuthorizerCacheTTL: "0s", config.EnvRevocationBound: "10s"},
		},
		{
			name:        "API Gateway's authorizer cache TTL",
			props:       FunctionProps{Name: FnAuthorizer, GatewayCacheTTL: 10 * time.Second},
			wantTimeout: DefaultTimeout.Seconds(), wantMemory: DefaultMemoryMB,
			wantEnv: map[string]any{config.EnvProjectID: "default", config.EnvAuthorizerCacheTTL: "10s"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack()
			table := NewTable(s, "Table", nil)
			p := tc.props
			p.Table = table.Table
			fn := NewFunction(s, "Fn", &p)
			tpl := assertions.Template_FromStack(s, nil)

			// The local endpoints are declared empty, for SAM's env.json.
			env := map[string]any{config.EnvTable: map[string]any{"Ref": logicalID(s, table.Table)},
				config.EnvDynamoDBEndpoint: "", config.EnvKMSEndpoint: ""}
			for k, v := range tc.wantEnv {
				env[k] = v
			}
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
					"Runtime":       "provided.al2023",
					"Architectures": []any{"arm64"},
					"Handler":       "bootstrap",
					"Timeout":       tc.wantTimeout,
					"MemorySize":    tc.wantMemory,
					"Environment":   map[string]any{"Variables": assertions.Match_ObjectEquals(&env)},
					"LoggingConfig": assertions.Match_ObjectEquals(&map[string]any{
						"LogGroup":  map[string]any{"Ref": logicalID(s, fn.LogGroup)},
						"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
					}),
					"FunctionName": assertions.Match_Absent(),
				})
			})
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
			})
			// No AWS managed policy (AWSLambdaBasicExecutionRole); the role
			// may only write to the function's own log group until granted more.
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{"ManagedPolicyArns": assertions.Match_Absent()})
			})
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
					"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
						"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
						"Effect":   "Allow",
						"Resource": map[string]any{"Fn::GetAtt": []any{logicalID(s, fn.LogGroup), "Arn"}},
					}}},
				})
			})
		})
	}
}

func TestFunctionWithoutBinary(t *testing.T) {
	s := newStack()
	table := NewTable(s, "Table", nil)
	msg, ok := panics(func() { NewFunction(s, "Fn", &FunctionProps{Name: "no-such-function", Table: table.Table}) })
	if !ok || !strings.Contains(msg, "make lambdas") {
		t.Errorf("NewFunction without a binary: panic %v %q, want a panic that says to run make lambdas", ok, msg)
	}
}
