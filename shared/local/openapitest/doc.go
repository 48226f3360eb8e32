// Package openapitest holds the API to docs/openapi.yaml in tests: it loads
// and validates the document (libopenapi, OpenAPI 3.1), and Observe wraps a
// local stack's handler so that every exchange a test makes is checked
// against it: each response (its status documented for the operation, its
// headers, content type and body), each request answered 2xx (parameters,
// security, body), and every request's route. Violations fail the test
// that started the stack; they name method, path, status and the
// validator's reason, with every secret the exchange carried (credentials,
// tokens, keys, any long string of either body) replaced by [redacted].
// It is for tests only.
package openapitest
