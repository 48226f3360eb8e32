package stack

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/sweep"
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
	// alarm (see NewAlarms) fires and when it clears. The CDK app reads it
	// from the context value ContextAlarmTopicArn.
	AlarmTopicArn string

	// SweepSchedule is how often the expiry sweeper runs (an EventBridge
	// rate): whole minutes, from one minute to DefaultSweepSchedule (one
	// hour), the SweeperErrors alarm's period, so that every period holds a
	// run; 0 means DefaultSweepSchedule. It is also the schedule's and the
	// function's maximum event age: a run that cannot start before the next
	// one is due is dropped, the next does its work.
	SweepSchedule time.Duration
	// SweepNotice is TOLLGATE_SWEEP_NOTICE, how long before a credential
	// expires the sweep sends credential.expiring; 0 means config's default,
	// sweep.DefaultNotice (168h).
	SweepNotice time.Duration
	// SweepRetention is TOLLGATE_SWEEP_RETENTION, how long an expired
	// credential's record stays before its TTL deletes it; 0 means config's
	// default, sweep.DefaultRetention (720h).
	SweepRetention time.Duration
	// SweepMaxItems is TOLLGATE_SWEEP_MAX_ITEMS, the most credentials one run
	// handles (the next run resumes); 0 means config's default,
	// sweep.DefaultMaxItems (1000). Above that default the sweeper's timeout
	// grows with it (see SweeperTimeout).
	SweepMaxItems int
	// EventBus is TOLLGATE_EVENT_BUS, the EventBridge bus the sweep sends
	// its events to, by name (in the stack's account and region) or ARN;
	// empty means the account's default bus. The sweeper may call
	// events:PutEvents on that bus only. A bus in another account must also
	// allow it in its resource policy.
	EventBus string
}

// ContextAlarmTopicArn is the context key the CDK app reads
// TollgateProps.AlarmTopicArn from (cdk.json, or `cdk deploy -c`).
const ContextAlarmTopicArn = "tollgate:alarmTopicArn"

// Function settings. Lambda allots CPU in proportion to memory (one vCPU at
// 1,769 MB), so memory is also the CPU dial.
const (
	// AuthorizerMemoryMB and AuthorizerTimeout: the authorizer runs before
	// every protected request, so its latency is added to each. Its work is
	// small (one or two GetItem/UpdateItem calls, an ES256 verification or a
	// SAS HMAC, an in-process cache) and needs little memory; 256 MB rather
	// than 128 MB buys twice the CPU for the TLS handshakes of a cold start and
	// the signature checks, at a negligible cost per millisecond. 5 s is
	// short but covers its store calls, each bounded by
	// TOLLGATE_STORE_TIMEOUT (2 s), plus a KMS Decrypt for a SAS key; a hung
	// call fails the request (500) rather than holding it.
	AuthorizerMemoryMB = 256
	AuthorizerTimeout  = 5 * time.Second
	// TokenMemoryMB and TokenTimeout: the token function signs ES256 access
	// tokens with KMS (kms:Sign, a network call: the key never leaves KMS),
	// seals and opens secrets with KMS, and rotates refresh tokens in
	// DynamoDB transactions, so it mostly waits on the network. 256 MB also
	// holds the 64 MiB Argon2id the password package spends once per cold
	// start (its dummy hash). 10 s leaves room for SDK retries with backoff
	// and stays well under API Gateway's 29 s integration timeout, so a stuck
	// invocation ends as a logged Lambda timeout, not a silent 504.
	TokenMemoryMB = 256
	TokenTimeout  = 10 * time.Second
	// IssueKeysMemoryMB and IssueKeysTimeout: the management API does
	// DynamoDB reads, writes and transactions, KMS signing for personal JWTs
	// and KMS sealing for SAS keys; same reasoning as the token function.
	IssueKeysMemoryMB = 256
	IssueKeysTimeout  = 10 * time.Second
	// PasswordSignInMemoryMB replaces TokenMemoryMB and IssueKeysMemoryMB
	// with PasswordSignIn. Argon2id (shared/password: 64 MiB, 3 passes, 2
	// lanes) is memory- and CPU-hard by design: issuekeys hashes every new
	// password and token checks one on each password grant. One hash takes
	// about 120 ms on a full vCPU (measured on these machines), so about
	// 0.4 s at 512 MB (0.29 vCPU) but 0.9 s at 256 MB, where the 64 MiB is
	// also a quarter of the function's memory. The 10 s timeouts cover it.
	PasswordSignInMemoryMB = 512
	// SweeperMemoryMB and SweeperTimeout: the expiry sweep (functions/sweeper,
	// shared/sweep) pages through the expiry index 100 entries per Query
	// and, for each credential, makes one EventBridge PutEvents and one or
	// two DynamoDB calls (an UpdateItem; a GetItem then a TransactWriteItems
	// for an API key): network waits with little to compute or hold, so the
	// same 256 MB as the others (the CPU for TLS handshakes at cold start).
	// A run handles at most TOLLGATE_SWEEP_MAX_ITEMS credentials, 1,000 by
	// default; at an estimated 50 ms of calls each (not measured: there is
	// no AWS account on these machines), under a minute, and 2 minutes leaves
	// twice that. A run that still times out loses little: each credential
	// is marked as it is handled, so the next run resumes (at worst one
	// notice is sent twice). For a larger SweepMaxItems the timeout grows in
	// proportion (sweeperTimeout), up to Lambda's 15 minutes.
	SweeperMemoryMB = 256
	SweeperTimeout  = 2 * time.Minute
	// SweeperReservedConcurrency: the sweeper runs one at a time. It sends
	// credential.expiring first and records it second (so that a crash
	// repeats a notice rather than losing one), and two concurrent runs
	// would read the same unrecorded entries and both send them. It takes
	// one instance from the account's unreserved concurrency, of which
	// Lambda keeps at least 100 (all of it in an account with a lower
	// quota): an account whose concurrency quota is still a new account's
	// 10 or 50 cannot deploy the stack until the quota is raised.
	SweeperReservedConcurrency = 1
)

// Sweep schedule settings (TollgateProps.SweepSchedule).
const (
	// DefaultSweepSchedule: hourly. The authorizer refuses an expired
	// credential by its expiry time whatever the sweep has done; the sweep
	// marks it expired, sets its TTL and sends the events, for which within
	// the hour is soon enough, at 720 small runs a month.
	DefaultSweepSchedule = time.Hour
	// SweepRetryAttempts is how many times EventBridge retries delivering a
	// scheduled event to the function and Lambda retries a failed run (each
	// within the schedule period, the maximum event age): enough for a
	// throttle or a transient DynamoDB or EventBridge error, where
	// EventBridge's own default (185 over 24 hours) would pile up stale runs
	// behind the next ones.
	SweepRetryAttempts = 2
)

// sweeperTimeout is SweeperTimeout for up to sweep.DefaultMaxItems items per
// run, proportionally more above, at most Lambda's 15 minutes.
func sweeperTimeout(maxItems int) time.Duration {
	if maxItems <= sweep.DefaultMaxItems {
		return SweeperTimeout
	}
	perItem := SweeperTimeout / sweep.DefaultMaxItems
	t := min(time.Duration(min(maxItems, 1_000_000))*perItem, 15*time.Minute)
	return (t + time.Second - 1).Truncate(time.Second) // Lambda takes whole seconds
}

// Tollgate is the whole service: table, KMS keys, functions, API and alarms.
type Tollgate struct {
	awscdk.Stack
	Table      *Table
	Keys       *Keys
	Authorizer *Function
	IssueKeys  *Function
	Token      *Function
	Sweeper    *Function
	// SweepRule runs Sweeper on TollgateProps.SweepSchedule.
	SweepRule awsevents.Rule
	API       *API
	Alarms    *Alarms
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

// EventBusArn returns the ARN of the event bus named bus (a name in the
// stack's account and region, or an ARN, returned as it is), or of the
// account's default bus when bus is empty.
func EventBusArn(s awscdk.Stack, bus string) *string {
	if strings.HasPrefix(bus, "arn:") {
		return jsii.String(bus)
	}
	if bus == "" {
		bus = "default"
	}
	return s.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("events"), Resource: jsii.String("event-bus"), ResourceName: jsii.String(bus),
		ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
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

	// API Gateway's authorizer cache counts against the revocation bound:
	// every function gets its TTL and config refuses a TTL above the bound at
	// cold start, so refuse it here, at synth.
	bound, ttl := props.RevocationBound, props.API.AuthorizerCacheTTL
	if bound == 0 {
		bound = config.DefaultRevocationBound
	}
	if bound < 0 || ttl > bound {
		panic(fmt.Sprintf("stack.NewTollgate %s: the authorizer cache TTL (%s) must not exceed the revocation bound (%s)", id, ttl, bound))
	}
	schedule := props.SweepSchedule
	if schedule == 0 {
		schedule = DefaultSweepSchedule
	}
	if schedule < time.Minute || schedule > DefaultSweepSchedule || schedule%time.Minute != 0 {
		panic(fmt.Sprintf("stack.NewTollgate %s: SweepSchedule %s must be whole minutes from 1m to %s", id, schedule, DefaultSweepSchedule))
	}
	notice, retention, maxItems := props.SweepNotice, props.SweepRetention, props.SweepMaxItems
	if notice == 0 {
		notice = sweep.DefaultNotice
	}
	if retention == 0 {
		retention = sweep.DefaultRetention
	}
	if maxItems == 0 {
		maxItems = sweep.DefaultMaxItems
	}
	if notice < 0 || retention < 0 || maxItems < 0 {
		// config.Parse would refuse them at cold start.
		panic(fmt.Sprintf("stack.NewTollgate %s: SweepNotice, SweepRetention and SweepMaxItems must not be negative", id))
	}

	env := map[string]string{}
	if props.RevocationBound != 0 {
		env[config.EnvRevocationBound] = props.RevocationBound.String()
	}
	issueKeysMemory, tokenMemory := IssueKeysMemoryMB, TokenMemoryMB
	passwordEnv := map[string]string{}
	if props.PasswordSignIn {
		issueKeysMemory, tokenMemory = PasswordSignInMemoryMB, PasswordSignInMemoryMB
		passwordEnv[config.EnvPasswordSignIn] = "true"
	}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range []map[string]string{env, extra} {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}

	table := NewTable(s, "Table", nil)
	keys := NewKeys(s, "Keys", &props.Keys)
	// Memory and timeouts: see the constants' comments.
	authorizer := NewFunction(s, "Authorizer", &FunctionProps{
		Name: FnAuthorizer, Table: table.Table, GatewayCacheTTL: ttl, Environment: with(nil),
		MemoryMB: AuthorizerMemoryMB, Timeout: AuthorizerTimeout,
	})
	issueKeys := NewFunction(s, "IssueKeys", &FunctionProps{
		Name: access.FnIssueKeys, Table: table.Table, GatewayCacheTTL: ttl, Environment: with(passwordEnv),
		MemoryMB: float64(issueKeysMemory), Timeout: IssueKeysTimeout,
	})
	token := NewFunction(s, "Token", &FunctionProps{
		Name: access.FnToken, Table: table.Table, GatewayCacheTTL: ttl, Environment: with(passwordEnv),
		MemoryMB: float64(tokenMemory), Timeout: TokenTimeout,
	})
	// The sweeper gets the deployment-wide settings too (config.Parse checks
	// the cache TTL against the bound in every function), and only the sweep
	// ones besides: it neither signs nor seals, so no issuer or keys.
	sweepEnv := map[string]string{
		config.EnvSweepNotice:    notice.String(),
		config.EnvSweepRetention: retention.String(),
		config.EnvSweepMaxItems:  fmt.Sprint(maxItems),
	}
	if props.EventBus != "" {
		sweepEnv[config.EnvEventBus] = props.EventBus
	}
	sweeper := NewFunction(s, "Sweeper", &FunctionProps{
		Name: FnSweeper, Table: table.Table, GatewayCacheTTL: ttl, Environment: with(sweepEnv),
		MemoryMB: SweeperMemoryMB, Timeout: sweeperTimeout(maxItems), ReservedConcurrency: SweeperReservedConcurrency,
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

	// The sweep (shared/store/dynamo/expiry.go) queries the expiry index and
	// reads and writes base-table items: GetItem (an API key, the sweep
	// cursor), PutItem (the cursor), UpdateItem (marking a credential
	// expired or notified; TransactWriteItems is authorized as the
	// UpdateItem of each of its items). Exactly those, and Query on that one
	// index, so no wildcard and nothing for cdk-nag's IAM5 to flag.
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      sweeper.Function,
		Actions:      jsii.Strings("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
		ResourceArns: jsii.Strings(*table.Table.TableArn()),
	})
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      sweeper.Function,
		Actions:      jsii.Strings("dynamodb:Query"),
		ResourceArns: jsii.Strings(*table.Table.TableArn() + "/index/" + dynamo.IndexExpiry),
	})
	// sweep.EventBridge publishes to the named bus, or to the
	// default bus without one.
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      sweeper.Function,
		Actions:      jsii.Strings("events:PutEvents"),
		ResourceArns: jsii.Strings(*EventBusArn(s, props.EventBus)),
	})
	// Lambda's own retries of a failed run, and how long a run may wait for
	// the previous one (reserved concurrency 1) before the next is due.
	sweeper.Function.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(SweepRetryAttempts),
		MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(schedule.Minutes())),
	})
	sweepRule := awsevents.NewRule(s, jsii.String("SweepSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Tollgate: runs the expiry sweep"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(schedule.Minutes()))),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(sweeper.Function, &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(SweepRetryAttempts),
			MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(schedule.Minutes())),
		})},
	})

	// KMS, as accesstoken.OpenKMS and envelope call it: every function reads the signing
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
		access.FnIssueKeys: issueKeys.Function,
		access.FnToken:     token.Function,
	}
	if apiProps.Routes == nil {
		// access.Routes also lists the routes of other teams' APIs guarded by
		// the same authorizer (NewTollgateAuthorizer); this API serves only
		// those of its own functions.
		apiProps.Routes = ServedRoutes(access.Routes, apiProps.Functions)
	}
	api := NewAPI(s, "Api", &apiProps)
	var topic awssns.ITopic
	if props.AlarmTopicArn != "" {
		topic = awssns.Topic_FromTopicArn(s, jsii.String("AlarmTopic"), jsii.String(props.AlarmTopicArn))
	}
	alarms := NewAlarms(s, "Alarms", &AlarmsProps{
		Authorizer: authorizer.Function,
		TokenLogs:  token.LogGroup,
		Stage:      api.RestApi.DeploymentStage(),
		Sweeper:    sweeper.Function,
		Topic:      topic,
	})

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
	// Every function calls accesstoken.OpenKMS at cold start, which requires
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
	awscdk.NewCfnOutput(s, jsii.String("AuthorizerFunctionArn"), &awscdk.CfnOutputProps{
		Value:       authorizer.Function.FunctionArn(),
		Description: jsii.String("The REQUEST authorizer function, for other APIs (stack.NewTollgateAuthorizer)"),
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
		Stack: s, Table: table, Keys: keys, Authorizer: authorizer, IssueKeys: issueKeys, Token: token,
		Sweeper: sweeper, SweepRule: sweepRule, API: api,
		Alarms: alarms, Issuer: issuer, Audience: audience,
	}
}
