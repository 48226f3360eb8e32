// Package apigw holds what a Lambda proxy handler needs to speak API
// Gateway: the caller the authorizer vouched for, strict JSON request
// decoding that names the offending field, and JSON and problem responses.
// Responses carrying secrets are marked Cache-Control: no-store.
package apigw
