package dynamolocal

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// EnvRequire makes missing DynamoDB Local a failure instead of a skip
// (`make test` sets it).
const EnvRequire = "TOLLGATE_REQUIRE_DYNAMODB_LOCAL"

// endpoint of the DynamoDB Local started by Main, "" when none.
var endpoint string

// Main runs a test binary with an in-memory DynamoDB Local around it.
// Without the jar, tests calling Endpoint skip, unless EnvRequire is set.
func Main(m *testing.M) {
	jar, err := FindJar(".")
	if err != nil {
		if os.Getenv(EnvRequire) != "" {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(m.Run())
	}
	srv, err := Start(context.Background(), jar, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	endpoint = srv.Endpoint
	code := m.Run()
	_ = srv.Stop()
	os.Exit(code)
}

// Endpoint returns the endpoint of the DynamoDB Local started by Main, or
// skips the test when there is none.
func Endpoint(t testing.TB) string {
	t.Helper()
	if endpoint == "" {
		t.Skip("DynamoDB Local not installed (run `make tools`)")
	}
	return endpoint
}
