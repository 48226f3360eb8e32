package stack

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
)

// Stage throttling defaults (requests per second, burst), applied to every
// method; raise them per deployment.
const (
	DefaultRateLimit  = 100
	DefaultBurstLimit = 200
)

// StageName is the stage NewAPI deploys. The functions' issuer URL is built
// from it (see Tollgate) because the stage's own name attribute would make
// them depend on the deployment, which depends on them.
const StageName = "prod"

// APIProps configures the REST API.
type APIProps struct {
	// Authorizer is the Lambda REQUEST authorizer that guards every method
	// of Routes.
	Authorizer awslambda.IFunction
	// Functions serve the routes, keyed by access.Route.Function.
	Functions map[string]awslambda.IFunction
	// Routes is the route table; nil means access.Routes.
	Routes []access.Route
	// PublicRoutes are served without the authorizer; nil means
	// access.PublicRoutes, an empty slice none. Their functions authenticate
	// callers themselves where needed.
	PublicRoutes []access.Route
	// RateLimit and BurstLimit default to DefaultRateLimit and DefaultBurstLimit.
	RateLimit, BurstLimit float64
	// LogRetention of the access logs defaults to DefaultLogRetention.
	LogRetention awslogs.RetentionDays
	// ExistingAccountLogRole says the account already has API Gateway's
	// CloudWatch Logs role set. That setting is per account and region and is
	// needed for access and execution logging; when false the construct
	// creates the role and sets it (the role is retained on stack deletion).
	ExistingAccountLogRole bool
	// MutualTLS, when set, serves the API only through a custom domain that
	// requires mutual TLS: the execute-api endpoint is disabled.
	MutualTLS *MutualTLSProps
	// AuthorizerIdentitySources are the REQUEST authorizer's identity
	// sources, such as "method.request.header.Authorization"; nil (the
	// default) means none, and the authorizer finds the credential wherever
	// the client put it. With any listed, API Gateway answers 401 without
	// invoking the authorizer when a request lacks one of them, so only the
	// presentation style they name works: Authorization (Bearer, JWT or
	// SharedAccessSignature), x-api-key, ?api_token= and a mutual TLS
	// certificate alone are different styles. See
	// TollgateAuthorizerProps.IdentitySources.
	AuthorizerIdentitySources []string
	// AuthorizerCacheTTL is API Gateway's authorizer result cache TTL, in
	// whole seconds up to MaxAuthorizerCacheTTL; 0 (the default) turns the
	// cache off. A TTL above 0 needs AuthorizerIdentitySources, the cache key.
	//
	// It counts against the revocation bound: a cached policy outlives a
	// revocation, deactivation or scope change by up to the TTL. The
	// functions therefore get TOLLGATE_AUTHORIZER_CACHE_TTL = this TTL and
	// keep decisions in process for TOLLGATE_REVOCATION_BOUND minus it
	// (shared/config.Config.CacheTTL), so the sum stays within the bound.
	// NewTollgate does that (and refuses a TTL above the bound); with NewAPI
	// alone, give the authorizer function FunctionProps.GatewayCacheTTL =
	// this TTL. API Gateway reuses a cached policy for every request with the
	// same identity-source values, on every method, and the authorizer checks
	// nothing else for that time (not lastUsedAt either); with MutualTLS a
	// TTL above 0 is refused unless an identity source is a
	// context.identity.clientCert value, because a certificate-bound token
	// must be re-checked against the certificate of each connection. A
	// cached policy's "*" also matches "/", and the policy denies the routes
	// that lets it reach (see TollgateAuthorizerProps.ResultsCacheTtl).
	AuthorizerCacheTTL time.Duration
}

// API is Tollgate's regional REST API: one method per route, each a Lambda
// proxy integration; the methods of Routes are behind the REQUEST
// authorizer, those of PublicRoutes are not.
type API struct {
	constructs.Construct
	// RestApi is the API; its URL is RestApi.Url().
	RestApi awsapigateway.RestApi
	// Authorizer guards every method of Routes.
	Authorizer awsapigateway.RequestAuthorizer
	// AccessLogs receives the stage's access log.
	AccessLogs awslogs.LogGroup
	// Domain is the mutual TLS custom domain, its root mapped to the stage;
	// nil without APIProps.MutualTLS.
	Domain awsapigateway.DomainName
}

// NewAPI declares the API. It panics on a malformed route table (a route
// whose function is not in props.Functions, a bad resource path or a
// duplicate method) and on malformed MutualTLS props.
func NewAPI(scope constructs.Construct, id string, props *APIProps) *API {
	if props == nil || props.Authorizer == nil {
		panic(fmt.Sprintf("stack.NewAPI %s: Authorizer is required", id))
	}
	if err := props.validate(); err != nil {
		panic(fmt.Sprintf("stack.NewAPI %s: %v", id, err))
	}
	p := props.withDefaults()
	this := constructs.NewConstruct(scope, &id)
	accessLogs := awslogs.NewLogGroup(this, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention: p.LogRetention,
	})
	api := newRestAPI(this, id, &p, accessLogs)
	authorizer := NewTollgateAuthorizer(this, "Authorizer", &TollgateAuthorizerProps{
		AuthorizerFunction: p.Authorizer,
		ResultsCacheTtl:    p.AuthorizerCacheTTL,
		IdentitySources:    p.AuthorizerIdentitySources,
		MutualTLS:          p.MutualTLS != nil,
	})
	m := newMethodBuilder(this, api, "stack.NewAPI "+id, p.Functions)
	for _, r := range p.Routes {
		method := m.add(r, &awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
			Authorizer:        authorizer,
		})
		suppress(method, "AwsSolutions-COG4", "Cognito is not used: the Lambda REQUEST authorizer is the product and guards every protected method.")
	}
	for _, r := range p.PublicRoutes {
		method := m.add(r, &awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_NONE,
		})
		suppressPublic(method)
	}

	// Gateway responses: ACCESS_DENIED is customized (see
	// AddAccessDeniedResponse): it carries the authorizer's reason and, over
	// a limit, Retry-After; UNAUTHORIZED only gains its WWW-Authenticate
	// challenge (AddUnauthorizedResponse), its body unchanged. The others
	// keep API Gateway's own bodies
	// ({"message": ...}, application/json), which the local stack
	// (shared/local/devstack) reproduces byte for byte, 401
	// {"message":"Unauthorized"} included, so clients see one behaviour
	// everywhere. DEFAULT_4XX and DEFAULT_5XX would not help: API Gateway's
	// defaults for them already have that shape and content type, and a
	// customized DEFAULT_4XX/5XX replaces the body of every response type of
	// its class that has no customization of its own
	// (AUTHORIZER_CONFIGURATION_ERROR's {"message":null}, ...), which would
	// part from the local stack.
	AddAccessDeniedResponse(this, api)
	AddUnauthorizedResponse(this, api)

	// Request size: API Gateway accepts payloads up to 10 MB and REST APIs
	// cannot lower that (no setting, no gateway response changes it). The
	// functions refuse JSON bodies over 64 KiB themselves (apigw.MaxBody in
	// shared/apigw), so nothing here pretends to limit them.

	suppressAPIFindings(api, p.ExistingAccountLogRole)
	a := &API{Construct: this, RestApi: api, Authorizer: authorizer, AccessLogs: accessLogs}
	if p.MutualTLS != nil {
		a.Domain = newMutualTLSDomain(this, api, p.MutualTLS)
		// RestApi's own output names the disabled execute-api URL.
		api.Node().TryRemoveChild(jsii.String("Endpoint"))
	}
	return a
}

// validate reports the first problem with the props that API Gateway would
// find at deploy.
func (p *APIProps) validate() error {
	if p.MutualTLS != nil {
		if err := p.MutualTLS.validate(); err != nil {
			return err
		}
	}
	// No identity sources and no API Gateway cache by default: credentials
	// may arrive in Authorization, x-api-key, a query parameter or as the
	// mutual TLS certificate alone, and a REQUEST authorizer with identity
	// sources answers 401 without invoking the function when any listed
	// source is missing; API Gateway can only cache results keyed on identity
	// sources. The authorizer caches decisions in process instead, bounded
	// by TOLLGATE_REVOCATION_BOUND (see APIProps.AuthorizerCacheTTL).
	if err := validateAuthorizerCache(p.AuthorizerCacheTTL, p.AuthorizerIdentitySources); err != nil {
		return err
	}
	return validateMutualTLSCache(p.MutualTLS != nil, p.AuthorizerCacheTTL, p.AuthorizerIdentitySources)
}

// withDefaults is a copy of the props with the defaults filled in.
func (p *APIProps) withDefaults() APIProps {
	out := *p
	if out.Routes == nil {
		out.Routes = access.Routes
	}
	if out.PublicRoutes == nil {
		out.PublicRoutes = access.PublicRoutes
	}
	if out.RateLimit == 0 {
		out.RateLimit = DefaultRateLimit
	}
	if out.BurstLimit == 0 {
		out.BurstLimit = DefaultBurstLimit
	}
	if out.LogRetention == "" {
		out.LogRetention = DefaultLogRetention
	}
	return out
}

// newRestAPI declares the regional REST API and its stage, which logs
// access to accessLogs and errors only to execution logs.
func newRestAPI(scope constructs.Construct, id string, p *APIProps, accessLogs awslogs.LogGroup) awsapigateway.RestApi {
	var disableExecuteAPI *bool
	if p.MutualTLS != nil {
		// The execute-api endpoint never carries a client certificate.
		disableExecuteAPI = jsii.Bool(true)
	}
	return awsapigateway.NewRestApi(scope, jsii.String("Resource"), &awsapigateway.RestApiProps{
		// Named after the stack: API Gateway's metrics (and the 5XX alarm)
		// are keyed by API name, and CDK would name it after the construct
		// id, the same "Resource" in every stack.
		RestApiName:               jsii.String(restAPIName(scope, id)),
		Description:               jsii.String("Tollgate API"),
		EndpointTypes:             &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole:            jsii.Bool(!p.ExistingAccountLogRole),
		DisableExecuteApiEndpoint: disableExecuteAPI,
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(StageName),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      accessLogFormat(),
			// Execution logs at ERROR only. Never turn on data tracing: it
			// logs request headers and query strings, which carry credentials.
			LoggingLevel:         awsapigateway.MethodLoggingLevel_ERROR,
			DataTraceEnabled:     jsii.Bool(false),
			ThrottlingRateLimit:  jsii.Number(p.RateLimit),
			ThrottlingBurstLimit: jsii.Number(p.BurstLimit),
		},
	})
}

// restAPIName is "<stack name>-<id>", or id when the stack's name is a token.
func restAPIName(scope constructs.Construct, id string) string {
	name := awscdk.Stack_Of(scope).StackName()
	if name == nil || *awscdk.Token_IsUnresolved(name) {
		return id
	}
	return *name + "-" + id
}

// namesClientCert reports whether an identity source is the mutual TLS
// client certificate.
func namesClientCert(sources []string) bool {
	for _, s := range sources {
		if strings.HasPrefix(s, "context.identity.clientCert.") {
			return true
		}
	}
	return false
}

// accessLogFormat is a JSON access log line. It records the resource path,
// never the request path with its query string, because a credential may be a
// query parameter.
func accessLogFormat() awsapigateway.AccessLogFormat {
	fields := map[string]*string{
		"requestId":      awsapigateway.AccessLogField_ContextRequestId(),
		"requestTime":    awsapigateway.AccessLogField_ContextRequestTime(),
		"ip":             awsapigateway.AccessLogField_ContextIdentitySourceIp(),
		"userAgent":      awsapigateway.AccessLogField_ContextIdentityUserAgent(),
		"httpMethod":     awsapigateway.AccessLogField_ContextHttpMethod(),
		"resourcePath":   awsapigateway.AccessLogField_ContextResourcePath(),
		"protocol":       awsapigateway.AccessLogField_ContextProtocol(),
		"status":         awsapigateway.AccessLogField_ContextStatus(),
		"responseLength": awsapigateway.AccessLogField_ContextResponseLength(),
		"responseType":   awsapigateway.AccessLogField_ContextErrorResponseType(),
		"principalId":    awsapigateway.AccessLogField_ContextAuthorizerPrincipalId(),
		"authorizerMs":   awsapigateway.AccessLogField_ContextAuthorizerIntegrationLatency(),
		"authorizerErr":  awsapigateway.AccessLogField_ContextAuthorizerError(),
		"integrationMs":  awsapigateway.AccessLogField_ContextIntegrationLatency(),
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		// Values are $context variables that API Gateway substitutes; quote
		// them so each line stays valid JSON whatever they hold.
		parts[i] = fmt.Sprintf("%q:%q", k, *fields[k])
	}
	return awsapigateway.AccessLogFormat_Custom(jsii.String("{" + strings.Join(parts, ",") + "}"))
}

// suppressPublic records why a public method has no API Gateway authorization.
func suppressPublic(method awsapigateway.Method) {
	const reason = "Public by design, so the authorizer must not guard it: the OAuth token and revocation endpoints " +
		"authenticate the client themselves from the request (client_secret_basic/post, refresh token) as RFC 6749 and " +
		"RFC 7009 require, the JWKS (RFC 7517) and authorization server metadata (RFC 8414) are public documents " +
		"that clients fetch before they hold any credential, and GitHub's secret scanning reports are authenticated " +
		"by GitHub's ECDSA signature over the body, verified by the function against a configured key set."
	suppress(method, "AwsSolutions-APIG4", reason)
	suppress(method, "AwsSolutions-COG4", reason)
}

// suppressAPIFindings records why the API does not follow some AwsSolutions
// rules, each on the resource the rule flags.
func suppressAPIFindings(api awsapigateway.RestApi, existingAccountLogRole bool) {
	suppress(api, "AwsSolutions-APIG2", "Requests are validated by the functions, which own the input types and answer with problem documents.")
	suppress(api.DeploymentStage(), "AwsSolutions-APIG3", "WAF is a per-deployment choice (rules, cost); associate a web ACL with the stage outside this stack.")
	if existingAccountLogRole {
		return
	}
	suppress(api.Node().FindChild(jsii.String("CloudWatchRole")), "AwsSolutions-IAM4",
		"API Gateway's account-wide CloudWatch Logs role uses the AWS managed policy made for it.",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
}
