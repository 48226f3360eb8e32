package dynamolocal

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// EnvRequire makes missing DynamoDB Local a failure instead of a skip
// (`make test` sets it).
const EnvRequire = "TOLLGATE_REQUIRE_DYNAMODB_LOCAL"

var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Main runs a test binary and stops the DynamoDB Local that Endpoint may
// have started for it.
func Main(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		_ = shared.srv.Stop()
	}
	os.Exit(code)
}

// Endpoint returns the endpoint of an in-memory DynamoDB Local shared by the
// test binary, starting it on first use. Without the jar the test skips,
// or fails when EnvRequire is set. Use it only in binaries run through Main.
func Endpoint(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		jar, err := FindJar(".")
		if err != nil {
			shared.err = err
			return
		}
		shared.srv, shared.err = Start(context.Background(), jar, "")
	})
	switch {
	case shared.err == nil:
		return shared.srv.Endpoint
	case os.Getenv(EnvRequire) != "":
		t.Fatal(shared.err)
	default:
		t.Skip(shared.err)
	}
	return ""
}

// NewTable creates a fresh Tollgate table in the shared DynamoDB Local and
// returns a client for it and its name.
func NewTable(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	ctx := context.Background()
	db, err := dynamo.NewClient(ctx, Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	table := id.New("tollgate")
	if err := dynamo.EnsureTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	return db, table
}
