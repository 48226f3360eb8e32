package stack

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/tollgate/tollgate/shared/authz"
	"github.com/tollgate/tollgate/shared/config"
)

// TollgateProps configures the Tollgate stack.
type TollgateProps struct {
	awscdk.StackProps
	// API passes throttling, log retention and the account log role setting
	// to the API construct; its functions and routes are filled in here.
	API APIProps
}

// Tollgate is the whole service: table, functions and API.
type Tollgate struct {
	awscdk.Stack
	Table      *Table
	Authorizer *Function
	IssueKeys  *Function
	API        *API
}

// NewTollgate declares the Tollgate stack.
func NewTollgate(scope constructs.Construct, id string, props *TollgateProps) *Tollgate {
	if props == nil {
		props = &TollgateProps{}
	}
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("Tollgate: API credentials (Lambda, API Gateway, DynamoDB)")
	}
	s := awscdk.NewStack(scope, &id, &sp)

	table := NewTable(s, "Table", nil)
	authorizer := NewFunction(s, "Authorizer", &FunctionProps{
		Name: FnAuthorizer, Table: table.Table, Timeout: 5 * time.Second,
	})
	issueKeys := NewFunction(s, "IssueKeys", &FunctionProps{
		Name: authz.FnIssueKeys, Table: table.Table, Timeout: 10 * time.Second,
	})

	// The authorizer reads a credential with GetItem and stamps lastUsedAt
	// with UpdateItem, on the base table only (no Query, no index access).
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      authorizer.Function,
		Actions:      jsii.Strings("dynamodb:GetItem", "dynamodb:UpdateItem"),
		ResourceArns: jsii.Strings(*table.Table.TableArn()),
	})
	table.Table.GrantReadWriteData(issueKeys.Function)
	suppress(issueKeys.Function.Role().Node().FindChild(jsii.String("DefaultPolicy")), "AwsSolutions-IAM5",
		"GrantReadWriteData covers this one table's indexes as <table>/index/*; the owner listings query GSI1.",
		&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<\w+\.Arn>\/index\/\*$/`)})

	apiProps := props.API
	apiProps.Authorizer = authorizer.Function
	apiProps.Functions = map[string]awslambda.IFunction{authz.FnIssueKeys: issueKeys.Function}
	api := NewAPI(s, "Api", &apiProps)

	awscdk.NewCfnOutput(s, jsii.String("TableName"), &awscdk.CfnOutputProps{
		Value:       table.Table.TableName(),
		Description: jsii.String("DynamoDB table (" + config.EnvTable + ")"),
	})
	awscdk.NewCfnOutput(s, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Value:       api.RestApi.Url(),
		Description: jsii.String("Base URL of the deployed stage"),
	})
	return &Tollgate{Stack: s, Table: table, Authorizer: authorizer, IssueKeys: issueKeys, API: api}
}
