// Package management is the management API (users and API keys) as one
// API Gateway proxy handler. It trusts only what the authorizer put in the
// request context, re-reads the caller's roles, and writes nothing on any
// 4xx: every request is validated in full before its single store write.
// Secrets appear only in the response that creates them, marked no-store;
// someone else's credential is answered 404, never 403.
package management
