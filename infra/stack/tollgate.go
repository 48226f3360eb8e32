package stack

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/scanning"
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
	// RevocationBound is TOLLGATE_REVOCATION_BOUND, the longest a revocation,
	// deactivation or user change may take to reach every authorizer
	// decision; 0 leaves it unset, which means config.DefaultRevocationBound
	// (30s). API.AuthorizerCacheTTL counts against it and must not exceed it.
	RevocationBound time.Duration
	// PasswordSignIn sets TOLLGATE_PASSWORD_SIGN_IN on issuekeys (which then
	// accepts and hashes passwords) and token (which then checks them on the
	// client-credentials grant), and gives both PasswordSignInMemoryMB.
	PasswordSignIn bool
	// AlarmTopicArn, when set, is the ARN of an SNS topic notified when an
	// alarm (see NewAlarms) fires and when it clears; empty makes the stack
	// declare its own (AlarmsProps.Topic). Either way its ARN is the output
	// AlarmTopicArn. The CDK app reads it from the context value
	// ContextAlarmTopicArn.
	AlarmTopicArn string

	// SweepSchedule is how often the expiry sweep runs (SweeperProps.Schedule).
	SweepSchedule time.Duration
	// SweepNotice is TOLLGATE_SWEEP_NOTICE (SweeperProps.Notice).
	SweepNotice time.Duration
	// SweepRetention is TOLLGATE_SWEEP_RETENTION (SweeperProps.Retention).
	SweepRetention time.Duration
	// SweepMaxItems is TOLLGATE_SWEEP_MAX_ITEMS (SweeperProps.MaxItems).
	SweepMaxItems int
	// EventBus is TOLLGATE_EVENT_BUS, where the sweep puts its events
	// (SweeperProps.EventBus).
	EventBus string

	// MaxKeyLifetime, MaxJWTLifetime and MaxRefreshLifetime are
	// TOLLGATE_MAX_KEY_LIFETIME, TOLLGATE_MAX_JWT_LIFETIME and
	// TOLLGATE_MAX_REFRESH_LIFETIME, the longest expiresAt of each kind;
	// 0 leaves them unset, which means config's defaults.
	MaxKeyLifetime, MaxJWTLifetime, MaxRefreshLifetime time.Duration
	// AuditRetention is TOLLGATE_AUDIT_RETENTION, how far back GET
	// /v1/audit reads; 0 leaves it unset (config's default, 400 days).
	AuditRetention time.Duration
	// ExchangeAudiences is TOLLGATE_EXCHANGE_AUDIENCES: the audiences
	// besides the deployment's own that a token exchange (RFC 8693) may
	// issue tokens for, such as downstream services' URLs; none by default.
	ExchangeAudiences []string

	// SecretPrefix is TOLLGATE_SECRET_PREFIX, the deployment's own prefix
	// of the secrets it mints ("acme_"); "" for none. The CDK app reads it
	// from the context value ContextSecretPrefix.
	SecretPrefix string
	// SecretScanningKeys is TOLLGATE_GITHUB_SCANNING_KEYS on issuekeys:
	// GitHub's secret scanning public keys, the JSON document GitHub
	// publishes at https://api.github.com/meta/public_keys/secret_scanning
	// (docs/secret-scanning.md); "" leaves POST /v1/secret-scanning/github
	// answering 404. LeakAction is TOLLGATE_LEAK_ACTION (deactivate, the
	// default, revoke or notify). The CDK app reads them from the context
	// values ContextSecretScanningKeys and ContextLeakAction.
	SecretScanningKeys, LeakAction string
}

// ContextAlarmTopicArn is the context key the CDK app reads
// TollgateProps.AlarmTopicArn from (cdk.json, or `cdk deploy -c`).
const ContextAlarmTopicArn = "tollgate:alarmTopicArn"

// Context keys of TollgateProps.SecretPrefix, SecretScanningKeys (a JSON
// string, or the key set itself as a JSON object in cdk.json) and
// LeakAction.
const (
	ContextSecretPrefix       = "tollgate:secretPrefix"
	ContextSecretScanningKeys = "tollgate:secretScanningKeys"
	ContextLeakAction         = "tollgate:leakAction"
)

// Tollgate is the whole service: table, KMS keys, functions, API and alarms.
type Tollgate struct {
	awscdk.Stack
	Table *Table
	Keys  *Keys
	// APIFunctions are Authorizer, IssueKeys, Certificates and Token.
	*APIFunctions
	Sweeper *Function
	// SweepRule runs Sweeper on TollgateProps.SweepSchedule.
	SweepRule awsevents.Rule
	// ForwardRule runs Sweeper's forward of metering events every minute.
	ForwardRule awsevents.Rule
	API         *API
	Alarms      *Alarms
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

// ServedRoutes returns the routes of table served by one of functions, in
// order: the routes a Tollgate API declares methods for.
func ServedRoutes(table []access.Route, functions map[string]awslambda.IFunction) []access.Route {
	out := []access.Route{}
	for _, r := range table {
		if functions[r.Function] != nil {
			out = append(out, r)
		}
	}
	return out
}

// NewTollgate declares the Tollgate stack. It panics when the API's
// authorizer cache TTL exceeds the revocation bound, and on a sweep setting
// out of range (see TollgateProps).
func NewTollgate(scope constructs.Construct, id string, props *TollgateProps) *Tollgate {
	if props == nil {
		props = &TollgateProps{}
	}
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("Tollgate: API credentials (Lambda, API Gateway, DynamoDB)")
	}
	s := awscdk.NewStack(scope, &id, &sp)
	t := &Tollgate{Stack: s, Table: NewTable(s, "Table", nil), Keys: NewKeys(s, "Keys", &props.Keys)}
	ttl := props.API.AuthorizerCacheTTL
	t.APIFunctions = NewAPIFunctions(s, &APIFunctionsProps{
		Table: t.Table, Keys: t.Keys, Environment: deploymentEnv(props), GatewayCacheTTL: ttl, PasswordSignIn: props.PasswordSignIn,
	})
	for name, v := range scanningEnv(props) {
		t.IssueKeys.Function.AddEnvironment(jsii.String(name), jsii.String(v), nil)
	}
	sweeper := NewSweeper(s, "Sweeper", &SweeperProps{
		Table: t.Table, Environment: deploymentEnv(props), GatewayCacheTTL: ttl, Schedule: props.SweepSchedule,
		Notice: props.SweepNotice, Retention: props.SweepRetention, MaxItems: props.SweepMaxItems, EventBus: props.EventBus,
	})
	t.Sweeper, t.SweepRule, t.ForwardRule = sweeper.Function, sweeper.Rule, sweeper.ForwardRule
	t.API = NewAPI(s, "Api", t.apiProps(props))
	var topic awssns.ITopic
	if props.AlarmTopicArn != "" {
		topic = awssns.Topic_FromTopicArn(s, jsii.String("AlarmTopic"), jsii.String(props.AlarmTopicArn))
	}
	t.Alarms = NewAlarms(s, "Alarms", &AlarmsProps{
		Authorizer: t.Authorizer.Function, TokenLogs: t.Token.LogGroup, AuthorizerLogs: t.Authorizer.LogGroup, Stage: t.API.RestApi.DeploymentStage(),
		Sweeper: t.Sweeper.Function, Topic: topic,
	})
	apiURL := t.setIssuer(props)
	t.AddTokenEnvironment(t.Issuer, t.Audience, t.Keys)
	t.addOutputs(apiURL, props.MutualTLS)
	return t
}

// deploymentEnv is the environment every function gets from props: the
// revocation bound (config checks the authorizer cache TTL against it in
// each), the longest lifetimes and the audit retention, each when set.
func deploymentEnv(props *TollgateProps) map[string]string {
	env := map[string]string{}
	for name, d := range map[string]time.Duration{
		config.EnvRevocationBound:    props.RevocationBound,
		config.EnvMaxKeyLifetime:     props.MaxKeyLifetime,
		config.EnvMaxJWTLifetime:     props.MaxJWTLifetime,
		config.EnvMaxRefreshLifetime: props.MaxRefreshLifetime,
		config.EnvAuditRetention:     props.AuditRetention,
	} {
		if d != 0 {
			env[name] = d.String()
		}
	}
	if len(props.ExchangeAudiences) > 0 {
		env[config.EnvExchangeAudiences] = strings.Join(props.ExchangeAudiences, ",")
	}
	if props.SecretPrefix != "" {
		env[config.EnvSecretPrefix] = props.SecretPrefix
	}
	return env
}

// scanningEnv is the leak response's environment on issuekeys: the key set
// (compacted: a function's environment holds 4 KB in all; declared empty
// when unset, so that SAM's env.json can set it: the route answers 404
// without one) and the action, when set. It panics on a key set or action
// package scanning refuses, so a bad one fails the synth rather than the
// function's start.
func scanningEnv(props *TollgateProps) map[string]string {
	env := map[string]string{config.EnvScanningKeys: ""}
	if _, err := scanning.ParseKeys(props.SecretScanningKeys); err != nil {
		panic(err)
	}
	if _, err := scanning.ParseAction(props.LeakAction); err != nil {
		panic(err)
	}
	if props.SecretScanningKeys != "" {
		var b bytes.Buffer
		if err := json.Compact(&b, []byte(props.SecretScanningKeys)); err != nil {
			panic(err)
		}
		env[config.EnvScanningKeys] = b.String()
	}
	if props.LeakAction != "" {
		env[config.EnvLeakAction] = props.LeakAction
	}
	return env
}

// apiProps is props.API with the functions, the routes they serve and
// MutualTLS filled in.
func (t *Tollgate) apiProps(props *TollgateProps) *APIProps {
	p := props.API
	p.Authorizer = t.Authorizer.Function
	p.MutualTLS = props.MutualTLS
	p.Functions = map[string]awslambda.IFunction{
		access.FnIssueKeys:    t.IssueKeys.Function,
		access.FnCertificates: t.Certificates.Function,
		access.FnToken:        t.Token.Function,
	}
	if p.Routes == nil {
		// access.Routes also lists the routes of other teams' APIs guarded by
		// the same authorizer (NewTollgateAuthorizer); this API serves only
		// those of its own functions.
		p.Routes = ServedRoutes(access.Routes, p.Functions)
	}
	return &p
}

// setIssuer sets Issuer and Audience from props, defaulting to the API's
// base URL, and returns that URL.
func (t *Tollgate) setIssuer(props *TollgateProps) (apiURL *string) {
	t.Issuer, apiURL = DefaultIssuer(t.API.RestApi), t.API.RestApi.Url()
	if props.MutualTLS != nil {
		// The domain's root is mapped to the stage.
		t.Issuer = jsii.String("https://" + props.MutualTLS.DomainName)
		apiURL = jsii.String(*t.Issuer + "/")
	}
	if props.Issuer != "" {
		t.Issuer = jsii.String(props.Issuer)
	}
	t.Audience = t.Issuer
	if props.Audience != "" {
		t.Audience = jsii.String(props.Audience)
	}
	return apiURL
}

// addOutputs declares the stack's outputs: what a deployer needs to point
// DNS and clients at the service and to rotate keys.
func (t *Tollgate) addOutputs(apiURL *string, mtls *MutualTLSProps) {
	output := func(name string, value *string, description string) {
		awscdk.NewCfnOutput(t.Stack, jsii.String(name), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	output("TableName", t.Table.Table.TableName(), "DynamoDB table ("+config.EnvTable+")")
	output("ApiUrl", apiURL, "Base URL of the deployed stage")
	if t.API.Domain != nil {
		output("DomainTarget", t.API.Domain.DomainNameAliasDomainName(),
			"Regional target of "+mtls.DomainName+": the CNAME value, or the Route 53 alias target")
		output("DomainHostedZoneId", t.API.Domain.DomainNameAliasHostedZoneId(),
			"Hosted zone of the regional target, for a Route 53 alias record")
	}
	output("Issuer", t.Issuer, "JWT issuer and OAuth base URL ("+config.EnvIssuer+")")
	output("AuthorizerFunctionArn", t.Authorizer.Function.FunctionArn(),
		"The REQUEST authorizer function, for other APIs (stack.NewTollgateAuthorizer)")
	output("SigningKeyArn", t.Keys.Signing.KeyArn(), "Current JWT signing key; note it before a rotation (see stack.KeysProps)")
	output("SealKeyArn", t.Keys.Seal.KeyArn(), "Envelope encryption key ("+config.EnvSealKey+")")
	output("AlarmTopicArn", t.Alarms.Topic.TopicArn(),
		"SNS topic every alarm notifies when it fires and when it clears: subscribe to it (see README, Alarms)")
}
