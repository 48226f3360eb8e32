// Package stack holds Tollgate's CDK constructs, one per concern (table,
// keys, the functions behind the API, the expiry sweeper with its
// EventBridge schedule, API, alarms), the Tollgate stack that composes them,
// and NewTollgateAuthorizer, which puts Tollgate's authorizer in front of
// another team's RestApi.
//
// Security properties: the table keeps point-in-time recovery, deletion
// protection and a RETAIN removal policy; each function gets its own role
// with only the table actions it uses (no AWS managed policies) and writes
// to its own log group (the sweeper may also put events on one event bus
// only); every API method of access.Routes is guarded by the Lambda REQUEST
// authorizer, whose results API Gateway does not cache unless
// APIProps.AuthorizerCacheTTL says so, a TTL that then counts against the
// revocation bound along with the function's in-process cache (NewFunction
// refuses, with config.Check, an environment whose TTL exceeds the bound).
// Only access.PublicRoutes (the OAuth token and revocation endpoints, which
// authenticate clients themselves, the JWKS, the server metadata, and
// GitHub's secret scanning reports, which carry GitHub's signature) are
// open. JWTs are signed by a KMS key whose private half never leaves KMS;
// each function may use only the KMS actions it calls (the authorizer reads
// public keys and opens sealed SAS keys, and can neither sign nor seal).
// Every key policy denies kms:CreateGrant unless it is for an AWS resource
// (kms:GrantIsForAWSResource), so no KMS grant can bypass the IAM policies.
// Every alarm notifies an SNS topic (the given one, else the stack's own,
// encrypted, to which only the account's CloudWatch alarms publish, over TLS).
// With MutualTLS the API is served only through a custom domain that
// requires mutual TLS (the execute-api endpoint is disabled), so the
// authorizer sees client certificates.
package stack
