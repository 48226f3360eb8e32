package stack

import (
	"cmp"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/config"
)

// FnAuthorizer and FnSweeper are the names of the functions that serve no
// route (access has the others).
const (
	FnAuthorizer = "authorizer"
	FnSweeper    = "sweeper"
)

// GatewayCacheTTL is the default API Gateway authorizer result cache TTL
// (APIProps.AuthorizerCacheTTL): zero, so the authorizer's in-process cache
// may use the whole revocation bound. Every function gets the TTL in force as
// TOLLGATE_AUTHORIZER_CACHE_TTL (FunctionProps.GatewayCacheTTL).
const GatewayCacheTTL time.Duration = 0

// Function defaults.
const (
	DefaultMemoryMB     = 256
	DefaultTimeout      = 10 * time.Second
	DefaultLogRetention = awslogs.RetentionDays_ONE_MONTH
)

// FunctionProps configures one Go Lambda function.
type FunctionProps struct {
	// Name is the function's folder under build/lambda, such as FnAuthorizer
	// or access.FnIssueKeys; it must hold a linux/arm64 bootstrap binary.
	Name string
	// Table goes into TOLLGATE_TABLE. Access is not granted here: the caller
	// grants each function only the actions it uses.
	Table awsdynamodb.ITable
	// Timeout defaults to DefaultTimeout.
	Timeout time.Duration
	// MemoryMB defaults to DefaultMemoryMB.
	MemoryMB float64
	// LogRetention defaults to DefaultLogRetention.
	LogRetention awslogs.RetentionDays
	// GatewayCacheTTL is API Gateway's authorizer result cache TTL in front
	// of the authorizer (APIProps.AuthorizerCacheTTL), passed as
	// TOLLGATE_AUTHORIZER_CACHE_TTL so the in-process cache keeps decisions
	// for the revocation bound minus it; defaults to GatewayCacheTTL (0).
	GatewayCacheTTL time.Duration
	// Environment is added to (and may override) the standard variables.
	Environment map[string]string
	// ReservedConcurrency, when above 0, is the function's reserved
	// concurrency: both the most instances that may run at once and
	// capacity taken from the account's unreserved pool. 0 reserves none.
	ReservedConcurrency int
}

// Function is a Go Lambda function (provided.al2023, arm64) built from
// build/lambda/<name>/bootstrap, with its own role and log group, logging in
// Lambda's JSON format.
type Function struct {
	constructs.Construct
	// Function is the Lambda function; it is also the grantee for Grant* calls.
	Function awslambda.Function
	// LogGroup receives the function's logs.
	LogGroup awslogs.LogGroup
}

// NewFunction declares the function. It panics if the bootstrap binary has not
// been built, since synthesis would fail later with a vaguer message, and on
// an environment config.Check refuses (such as an authorizer cache TTL above
// the revocation bound), which the function would refuse at cold start.
func NewFunction(scope constructs.Construct, id string, props *FunctionProps) *Function {
	if props == nil || props.Name == "" || props.Table == nil {
		panic(fmt.Sprintf("stack.NewFunction %s: Name and Table are required", id))
	}
	dir, err := LambdaAssetDir(props.Name)
	if err != nil {
		panic(fmt.Sprintf("stack.NewFunction %s: %v", id, err))
	}
	// What the function would refuse at cold start is refused here.
	if err := config.Check(literalEnv(props)); err != nil {
		panic(fmt.Sprintf("stack.NewFunction %s: %v", id, err))
	}
	this := constructs.NewConstruct(scope, &id)
	logs := awslogs.NewLogGroup(this, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: cmp.Or(props.LogRetention, DefaultLogRetention),
	})
	// An explicit role, so the function does not get the AWS managed
	// AWSLambdaBasicExecutionRole policy: it may write to its own log group
	// only, plus whatever the caller grants.
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Tollgate " + props.Name + " function"),
	})
	fn := awslambda.NewFunction(this, jsii.String("Resource"), lambdaProps(props, dir, role, logs))
	logs.GrantWrite(fn)
	return &Function{Construct: this, Function: fn, LogGroup: logs}
}

// lambdaProps are the function's properties: the bootstrap in dir on
// provided.al2023 and arm64, role, JSON logs to logs, and the props'
// memory, timeout, environment and reserved concurrency.
func lambdaProps(props *FunctionProps, dir string, role awsiam.IRole, logs awslogs.ILogGroup) *awslambda.FunctionProps {
	env := map[string]*string{config.EnvTable: props.Table.TableName()}
	for k, v := range literalEnv(props) {
		env[k] = jsii.String(v)
	}
	var reserved *float64
	if props.ReservedConcurrency > 0 {
		reserved = jsii.Number(props.ReservedConcurrency)
	}
	timeout := cmp.Or(props.Timeout, DefaultTimeout)
	return &awslambda.FunctionProps{
		Description:  jsii.String("Tollgate " + props.Name),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(dir), nil),
		Role:         role,
		LogGroup:     logs,
		MemorySize:   jsii.Number(cmp.Or(props.MemoryMB, DefaultMemoryMB)),
		Timeout:      awscdk.Duration_Millis(jsii.Number(float64(timeout.Milliseconds()))),
		Environment:  &env,
		// nil: no reservation.
		ReservedConcurrentExecutions: reserved,
		// Structured logs rather than X-Ray tracing: the functions already
		// write one slog JSON object per line to stdout ("time", "level",
		// "msg", attributes), which the JSON log format keeps as JSON objects,
		// and Lambda's own platform lines (START, REPORT with duration and
		// memory, timeouts) become JSON too, so CloudWatch Logs Insights and
		// metric filters (see Alarms) query every line by field. Both levels
		// stay at INFO, which drops nothing the functions log today. Do not
		// raise the application level: Lambda reads a line's "level" only
		// when it also recognizes its timestamp and files it as INFO
		// otherwise, so a higher level could drop the refresh-token reuse
		// warning that an alarm counts.
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
	}
}

// literalEnv is the function's environment but TOLLGATE_TABLE (a reference
// to the table): the standard variables, then props.Environment. The local
// endpoint variables are declared empty, which the functions read as unset,
// so that `sam local` (which passes a function only the variables its
// template declares) can point them at DynamoDB Local and a KMS stand-in
// through env.json (`make sam-env`); a deployment leaves them empty.
func literalEnv(props *FunctionProps) map[string]string {
	env := map[string]string{
		config.EnvProjectID:          config.DefaultProjectID,
		config.EnvAuthorizerCacheTTL: props.GatewayCacheTTL.String(),
		config.EnvDynamoDBEndpoint:   "",
		config.EnvKMSEndpoint:        "",
	}
	maps.Copy(env, props.Environment)
	return env
}
