package stack

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
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
	// to the API construct; its functions, routes and MutualTLS are filled
	// in here.
	API APIProps
	// Keys configures the KMS keys, signing-key rotation included (see
	// KeysProps).
	Keys KeysProps
	// Issuer is TOLLGATE_ISSUER, the iss of every JWT and the base URL of
	// the OAuth endpoints, without a trailing slash. Set it when a custom
	// domain fronts the API; empty means https://{MutualTLS.DomainName} with
	// MutualTLS, else the stage's execute-api URL (DefaultIssuer).
	Issuer string
	// Audience is TOLLGATE_AUDIENCE, the aud of every JWT; empty means the
	// issuer.
	Audience string
	// MutualTLS, when set, serves the API only through a custom domain that
	// requires mutual TLS (see MutualTLSProps); nil keeps the execute-api
	// endpoint.
	MutualTLS *MutualTLSProps
}

// Tollgate is the whole service: table, KMS keys, functions and API.
type Tollgate struct {
	awscdk.Stack
	Table      *Table
	Keys       *Keys
	Authorizer *Function
	IssueKeys  *Function
	Token      *Function
	API        *API
	// Issuer and Audience are the functions' TOLLGATE_ISSUER and
	// TOLLGATE_AUDIENCE (CloudFormation expressions unless set in the props).
	Issuer, Audience *string
}

// DefaultIssuer is the base URL of the API's stage,
// https://{restApiId}.execute-api.{region}.{urlSuffix}/{StageName}. It is
// built from the REST API's ID rather than RestApi.Url(), which names the
// deployment stage: the stage depends on the deployment, the deployment on
// the methods, the methods on the functions, and the functions' environment
// would then depend on the stage, a cycle.
func DefaultIssuer(api awsapigateway.IRestApi) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://"), api.RestApiId(), jsii.String(".execute-api."), awscdk.Aws_REGION(),
		jsii.String("."), awscdk.Aws_URL_SUFFIX(), jsii.String("/" + StageName),
	})
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
	keys := NewKeys(s, "Keys", &props.Keys)
	authorizer := NewFunction(s, "Authorizer", &FunctionProps{
		Name: FnAuthorizer, Table: table.Table, Timeout: 5 * time.Second,
	})
	issueKeys := NewFunction(s, "IssueKeys", &FunctionProps{
		Name: authz.FnIssueKeys, Table: table.Table, Timeout: 10 * time.Second,
	})
	token := NewFunction(s, "Token", &FunctionProps{
		Name: authz.FnToken, Table: table.Table, Timeout: 10 * time.Second,
	})

	// The authorizer reads a credential with GetItem and stamps lastUsedAt
	// with UpdateItem, on the base table only (no Query, no index access).
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      authorizer.Function,
		Actions:      jsii.Strings("dynamodb:GetItem", "dynamodb:UpdateItem"),
		ResourceArns: jsii.Strings(*table.Table.TableArn()),
	})
	for _, g := range []struct {
		fn  *Function
		why string
	}{
		{issueKeys, "the owner listings query GSI1."},
		{token, "the token function reads and writes the base table (clients, sessions, refresh tokens) and gets the same data grant as issuekeys, so a store change that queries GSI1 does not break it."},
	} {
		table.Table.GrantReadWriteData(g.fn.Function)
		suppress(g.fn.Function.Role().Node().FindChild(jsii.String("DefaultPolicy")), "AwsSolutions-IAM5",
			"GrantReadWriteData covers this one table's indexes as <table>/index/*; "+g.why,
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<\w+\.Arn>\/index\/\*$/`)})
	}

	// KMS, as shared/awsdeps calls it: every function reads the signing
	// keys' public keys at cold start; token and issuekeys sign JWTs; token
	// seals and opens secrets; issuekeys seals and opens SAS keys; the
	// authorizer only opens them (kms:Decrypt) to check signatures.
	keys.GrantVerify(authorizer.Function)
	keys.GrantOpen(authorizer.Function)
	keys.GrantSign(issueKeys.Function)
	keys.GrantSeal(issueKeys.Function)
	keys.GrantSign(token.Function)
	keys.GrantSeal(token.Function)

	apiProps := props.API
	apiProps.Authorizer = authorizer.Function
	apiProps.MutualTLS = props.MutualTLS
	apiProps.Functions = map[string]awslambda.IFunction{
		authz.FnIssueKeys: issueKeys.Function,
		authz.FnToken:     token.Function,
	}
	api := NewAPI(s, "Api", &apiProps)

	issuer, apiURL := DefaultIssuer(api.RestApi), api.RestApi.Url()
	if props.MutualTLS != nil {
		// The domain's root is mapped to the stage.
		issuer = jsii.String("https://" + props.MutualTLS.DomainName)
		apiURL = jsii.String(*issuer + "/")
	}
	if props.Issuer != "" {
		issuer = jsii.String(props.Issuer)
	}
	audience := issuer
	if props.Audience != "" {
		audience = jsii.String(props.Audience)
	}
	// Every function calls awsdeps.LoadTokens at cold start, which requires
	// the issuer, the signing keys and the seal key, so all three get them.
	for _, fn := range []*Function{authorizer, issueKeys, token} {
		for _, kv := range [][2]*string{
			{jsii.String(config.EnvIssuer), issuer},
			{jsii.String(config.EnvAudience), audience},
			{jsii.String(config.EnvSigningKeys), keys.SigningKeys()},
			{jsii.String(config.EnvSealKey), keys.SealKey()},
		} {
			fn.Function.AddEnvironment(kv[0], kv[1], nil)
		}
	}

	awscdk.NewCfnOutput(s, jsii.String("TableName"), &awscdk.CfnOutputProps{
		Value:       table.Table.TableName(),
		Description: jsii.String("DynamoDB table (" + config.EnvTable + ")"),
	})
	awscdk.NewCfnOutput(s, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Value:       apiURL,
		Description: jsii.String("Base URL of the deployed stage"),
	})
	if api.Domain != nil {
		awscdk.NewCfnOutput(s, jsii.String("DomainTarget"), &awscdk.CfnOutputProps{
			Value:       api.Domain.DomainNameAliasDomainName(),
			Description: jsii.String("Regional target of " + props.MutualTLS.DomainName + ": the CNAME value, or the Route 53 alias target"),
		})
		awscdk.NewCfnOutput(s, jsii.String("DomainHostedZoneId"), &awscdk.CfnOutputProps{
			Value:       api.Domain.DomainNameAliasHostedZoneId(),
			Description: jsii.String("Hosted zone of the regional target, for a Route 53 alias record"),
		})
	}
	awscdk.NewCfnOutput(s, jsii.String("Issuer"), &awscdk.CfnOutputProps{
		Value:       issuer,
		Description: jsii.String("JWT issuer and OAuth base URL (" + config.EnvIssuer + ")"),
	})
	awscdk.NewCfnOutput(s, jsii.String("SigningKeyArn"), &awscdk.CfnOutputProps{
		Value:       keys.Signing.KeyArn(),
		Description: jsii.String("Current JWT signing key; note it before a rotation (see stack.KeysProps)"),
	})
	awscdk.NewCfnOutput(s, jsii.String("SealKeyArn"), &awscdk.CfnOutputProps{
		Value:       keys.Seal.KeyArn(),
		Description: jsii.String("Envelope encryption key (" + config.EnvSealKey + ")"),
	})
	return &Tollgate{
		Stack: s, Table: table, Keys: keys, Authorizer: authorizer, IssueKeys: issueKeys, Token: token, API: api,
		Issuer: issuer, Audience: audience,
	}
}
