// Package devstacktest starts local stacks for end-to-end tests: the real
// handlers behind the API Gateway emulation, over real HTTP and over HTTPS
// asking for client certificates, each with its own table in the test
// binary's shared DynamoDB Local (run the binary through localtest.Main).
// Every exchange with a stack is checked against docs/openapi.yaml. It also
// makes throwaway client certificates. It is for tests only.
package devstacktest
