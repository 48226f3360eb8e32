// Package apigw holds what a Lambda proxy handler needs to speak API
// Gateway: the caller the authorizer vouched for, strict JSON request
// decoding that names the offending field, JSON responses, and RFC 9457
// problem details with the one mapping from store errors to HTTP statuses.
// Responses carrying secrets are marked Cache-Control: no-store.
package apigw
