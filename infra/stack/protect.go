package stack

import (
	"fmt"
	"regexp"
	"time"

	"github.com/tollgate/tollgate/shared/access"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MaxAuthorizerCacheTTL is API Gateway's largest authorizer result cache TTL.
const MaxAuthorizerCacheTTL = time.Hour

// TollgateAuthorizerProps configures NewTollgateAuthorizer.
type TollgateAuthorizerProps struct {
	// AuthorizerFunction is Tollgate's authorizer function (Tollgate.Authorizer.Function
	// in the same stack). Set it or AuthorizerFunctionArn.
	AuthorizerFunction awslambda.IFunction
	// AuthorizerFunctionArn is the ARN of Tollgate's authorizer function,
	// deployed by another stack or app in the same account and region (its
	// name is in the Tollgate stack's AuthorizerFunctionArn output). The
	// function is imported into scope's stack, where the permission for API
	// Gateway to invoke it is declared: a function in another account would
	// need its owner to grant that permission, which this construct cannot.
	AuthorizerFunctionArn string
	// ResultsCacheTtl is API Gateway's authorizer result cache TTL, in whole
	// seconds up to MaxAuthorizerCacheTTL; 0 (the default) turns the cache
	// off. A value above 0 requires IdentitySources, which are the cache
	// key.
	//
	// It counts against Tollgate's revocation bound: the authorizer keeps
	// decisions in process for TOLLGATE_REVOCATION_BOUND minus
	// TOLLGATE_AUTHORIZER_CACHE_TTL, and API Gateway then keeps the policy for
	// ResultsCacheTtl more. Keep it at or below the TTL the Tollgate stack
	// gives its functions (APIProps.AuthorizerCacheTTL, 0 by default), or a
	// revoked credential may still open this API for up to
	// bound - that TTL + ResultsCacheTtl.
	//
	// A cached policy is reused on every method, and "*" in its ARNs (the
	// path parameters) also matches "/": a policy allowing
	// /orders/{orderId} would also allow /orders/{orderId}/refund. The
	// authorizer's policy therefore carries an explicit Deny of every route
	// of its table that an allowed ARN over-matches and the credential may
	// not call (access.Table.OverMatched), so a cached policy allows no more
	// than the credential's own routes.
	ResultsCacheTtl time.Duration
	// IdentitySources are the request parameters API Gateway requires before
	// it invokes the authorizer, such as "method.request.header.Authorization",
	// "method.request.querystring.api_token", "stageVariables.name" or
	// "context.name". Empty (the default) means none: the authorizer runs on
	// every request and finds the credential itself, wherever the client put
	// it. With any listed, a request that lacks one of them gets 401 from API
	// Gateway without the authorizer running, so only the presentation style
	// they name works (Authorization: Bearer, x-api-key, ?api_token= and the
	// mutual TLS certificate alone are different styles).
	IdentitySources []string
	// AuthorizerName is the authorizer's name in API Gateway; empty lets CDK
	// choose one.
	AuthorizerName string
	// MutualTLS says the guarded API is served through a custom domain that
	// requires mutual TLS, as APIProps.MutualTLS does for Tollgate's own.
	// Then a ResultsCacheTtl above 0 is refused unless an identity source is
	// a context.identity.clientCert value (see validateMutualTLSCache). Set
	// it whenever clients reach the API with a certificate.
	MutualTLS bool
}

// NewTollgateAuthorizer declares a Lambda REQUEST authorizer backed by
// Tollgate's authorizer function, for another team to put in front of its
// own RestApi's methods:
//
//	auth := stack.NewTollgateAuthorizer(s, "TollgateAuth", &stack.TollgateAuthorizerProps{
//		AuthorizerFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:Tollgate-AuthorizerEXAMPLE",
//	})
//	orders.AddMethod(jsii.String("GET"), integration, &awsapigateway.MethodOptions{
//		AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
//		Authorizer:        auth,
//	})
//
// The authorizer decides from Tollgate's route table (shared/access/routes.go),
// compiled into the function: it denies (403) every method it does not find
// there by HTTP method and resource path, so each of the other API's routes
// must be added to access.Routes, with the scope (and role) a credential needs
// and a Function name of that team's own (Tollgate's API only declares the
// routes its own functions serve), and Tollgate's functions redeployed. The
// resource path is the other API's resource template, such as
// /orders/{orderId}, not the request path. The policy the authorizer returns
// lists the ARNs of every route the credential may call under the calling
// API's own ARN prefix (arn:aws:execute-api:region:account:apiId/stage), so it
// grants nothing on any other API; with ResultsCacheTtl, see there what a
// cached policy allows. With mutual TLS, set MutualTLS, as NewAPI does.
//
// Like every CDK authorizer it must be attached to at least one method of
// exactly one RestApi. It panics on malformed props.
func NewTollgateAuthorizer(scope constructs.Construct, id string, props *TollgateAuthorizerProps) awsapigateway.RequestAuthorizer {
	if props == nil {
		props = &TollgateAuthorizerProps{}
	}
	if err := props.validate(); err != nil {
		panic(fmt.Sprintf("stack.NewTollgateAuthorizer %s: %v", id, err))
	}
	fn := props.AuthorizerFunction
	if fn == nil {
		// SameEnvironment: the ARN is in this account and region, so CDK
		// declares the invoke permission here (FromFunctionArn would skip it
		// in an environment-agnostic stack, and API Gateway would answer 500).
		fn = awslambda.Function_FromFunctionAttributes(scope, jsii.String(id+"Function"), &awslambda.FunctionAttributes{
			FunctionArn:     jsii.String(props.AuthorizerFunctionArn),
			SameEnvironment: jsii.Bool(true),
		})
	}
	sources := make([]*string, len(props.IdentitySources))
	for i, s := range props.IdentitySources {
		sources[i] = jsii.String(s)
	}
	ap := &awsapigateway.RequestAuthorizerProps{
		Handler:         fn,
		IdentitySources: &sources,
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(props.ResultsCacheTtl.Seconds())),
	}
	if props.AuthorizerName != "" {
		ap.AuthorizerName = jsii.String(props.AuthorizerName)
	}
	authorizer := awsapigateway.NewRequestAuthorizer(scope, jsii.String(id), ap)
	if len(sources) == 0 {
		// CDK writes IdentitySource: "" for an empty list; leave the property
		// out, as API Gateway documents it optional when caching is off.
		authorizer.Node().DefaultChild().(awscdk.CfnResource).AddPropertyDeletionOverride(jsii.String("IdentitySource"))
	}
	return authorizer
}

// identitySource matches the mapping expressions API Gateway accepts as a
// REQUEST authorizer's identity sources.
var identitySource = regexp.MustCompile(`^(method\.request\.header\.[!#$%&'*+.^_` + "`" + `|~0-9A-Za-z-]+|method\.request\.querystring\.[^\s,]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)

// lambdaARN matches an unqualified or qualified Lambda function ARN.
var lambdaARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$`)

// validate reports the first problem with the props.
func (p *TollgateAuthorizerProps) validate() error {
	if (p.AuthorizerFunction == nil) == (p.AuthorizerFunctionArn == "") {
		return fmt.Errorf("set exactly one of AuthorizerFunction and AuthorizerFunctionArn")
	}
	if p.AuthorizerFunctionArn != "" && !lambdaARN.MatchString(p.AuthorizerFunctionArn) {
		return fmt.Errorf("AuthorizerFunctionArn %q is not a Lambda function ARN", p.AuthorizerFunctionArn)
	}
	if err := validateAuthorizerCache(p.ResultsCacheTtl, p.IdentitySources); err != nil {
		return err
	}
	return validateMutualTLSCache(p.MutualTLS, p.ResultsCacheTtl, p.IdentitySources)
}

// validateMutualTLSCache refuses an authorizer cache in front of an API
// served with mutual TLS unless the cache key includes the client
// certificate: a cached policy keyed on the token alone would let a
// certificate-bound token through over another certificate, or none.
// NewAPI and NewTollgateAuthorizer both call it.
func validateMutualTLSCache(mutualTLS bool, ttl time.Duration, sources []string) error {
	if mutualTLS && ttl > 0 && !namesClientCert(sources) {
		return fmt.Errorf("with MutualTLS, an authorizer cache TTL needs a context.identity.clientCert identity source: " +
			"a cached policy keyed on the token alone would let a certificate-bound token through over another certificate")
	}
	return nil
}

// validateAuthorizerCache checks a cache TTL and identity sources as API
// Gateway would, at synth rather than at deploy.
func validateAuthorizerCache(ttl time.Duration, sources []string) error {
	switch {
	case ttl < 0 || ttl > MaxAuthorizerCacheTTL || ttl%time.Second != 0:
		return fmt.Errorf("authorizer cache TTL %s must be whole seconds from 0 to %s", ttl, MaxAuthorizerCacheTTL)
	case ttl > 0 && len(sources) == 0:
		return fmt.Errorf("authorizer cache TTL %s needs identity sources: API Gateway keys the cache on them", ttl)
	}
	seen := map[string]bool{}
	for _, s := range sources {
		if !identitySource.MatchString(s) {
			return fmt.Errorf("identity source %q must be method.request.header.<name>, method.request.querystring.<name>, stageVariables.<name> or context.<name>", s)
		}
		if seen[s] {
			return fmt.Errorf("identity source %q is listed twice", s)
		}
		seen[s] = true
	}
	return nil
}

// AddAccessDeniedResponse customizes api's ACCESS_DENIED response (the 403
// of a request the authorizer denies) to show the Tollgate authorizer's
// context: the body {"message": context.authorizer.message} ("rate limit
// exceeded", "quota exhausted", or API Gateway's own explicit-deny text)
// and the Retry-After, RateLimit and RateLimit-Policy headers, set only
// over a limit. A Lambda REQUEST authorizer cannot choose a status code,
// so a request over a limit is a 403, not a 429. NewAPI adds it; an API of
// another team guarded by NewTollgateAuthorizer needs it too, or its
// clients get API Gateway's default 403 without the reason or
// Retry-After. The local stack maps the same keys.
func AddAccessDeniedResponse(scope constructs.Construct, api awsapigateway.IRestApi) awsapigateway.GatewayResponse {
	headers := map[string]*string{}
	for header, key := range access.DeniedHeaders {
		headers[header] = jsii.String("context.authorizer." + key)
	}
	return awsapigateway.NewGatewayResponse(scope, jsii.String("AccessDenied"), &awsapigateway.GatewayResponseProps{
		RestApi:         api,
		Type:            awsapigateway.ResponseType_ACCESS_DENIED(),
		StatusCode:      jsii.String("403"),
		ResponseHeaders: &headers,
		Templates: &map[string]*string{
			"application/json": jsii.String(`{"message":"$context.authorizer.` + access.ContextMessage + `"}`),
		},
	})
}

// AddUnauthorizedResponse customizes api's UNAUTHORIZED response (the 401
// of a request whose credential the authorizer refuses) to carry the
// WWW-Authenticate challenge RFC 6750 §3 requires (access.Challenge); the
// body stays API Gateway's default, {"message":"Unauthorized"}, its
// template spelled out. NewAPI adds it; add it to an API guarded by
// NewTollgateAuthorizer too.
func AddUnauthorizedResponse(scope constructs.Construct, api awsapigateway.IRestApi) awsapigateway.GatewayResponse {
	return awsapigateway.NewGatewayResponse(scope, jsii.String("Unauthorized"), &awsapigateway.GatewayResponseProps{
		RestApi:         api,
		Type:            awsapigateway.ResponseType_UNAUTHORIZED(),
		StatusCode:      jsii.String("401"),
		ResponseHeaders: &map[string]*string{"WWW-Authenticate": jsii.String("'" + access.Challenge + "'")},
		Templates:       &map[string]*string{"application/json": jsii.String(`{"message":$context.error.messageString}`)},
	})
}
