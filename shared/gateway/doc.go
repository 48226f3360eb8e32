// Package gateway emulates Amazon API Gateway in front of Lambda functions for
// the local stack: a REST API with Lambda proxy integrations and a Lambda
// REQUEST authorizer (result caching disabled), producing the same events,
// IAM policy decisions, gateway error responses and status codes.
//
// It fails closed exactly as API Gateway does: an authorizer error, panic,
// timeout or malformed answer is a 500, never an Allow, and only a matching
// Allow without any matching Deny reaches a function. It never logs header
// values, query strings or bodies, which carry credentials.
package gateway
