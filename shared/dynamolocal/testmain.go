package dynamolocal

import (
	"context"
	"os"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/localsvc"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// EnvRequire makes missing DynamoDB Local a failure instead of a skip
// (`make test` sets it).
const EnvRequire = "TOLLGATE_REQUIRE_DYNAMODB_LOCAL"

var shared = &localsvc.Shared{
	RequireEnv: EnvRequire,
	Start: func() (string, func(), error) {
		jar, err := FindJar(".")
		if err != nil {
			return "", nil, err
		}
		srv, err := Start(context.Background(), jar, "")
		if err != nil {
			return "", nil, err
		}
		return srv.Endpoint, srv.Stop, nil
	},
}

// Main runs a test binary and stops the DynamoDB Local that Endpoint may
// have started for it.
func Main(m *testing.M) {
	code := m.Run()
	shared.Stop()
	os.Exit(code)
}

// Endpoint returns the endpoint of an in-memory DynamoDB Local shared by the
// test binary, starting it on first use. Without the jar the test skips,
// or fails when EnvRequire is set. Use it only in binaries run through Main.
func Endpoint(t testing.TB) string {
	t.Helper()
	return shared.Endpoint(t)
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

// Counting wraps a DynamoDB client and counts the calls a benchmark or
// test makes, by operation.
type Counting struct {
	dynamo.API
	Gets, Puts, Updates, Queries, Transactions atomic.Int64
}

// GetItem counts and forwards.
func (c *Counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.Gets.Add(1)
	return c.API.GetItem(ctx, in, o...)
}

// PutItem counts and forwards.
func (c *Counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.Puts.Add(1)
	return c.API.PutItem(ctx, in, o...)
}

// UpdateItem counts and forwards.
func (c *Counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.Updates.Add(1)
	return c.API.UpdateItem(ctx, in, o...)
}

// Query counts and forwards.
func (c *Counting) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.Queries.Add(1)
	return c.API.Query(ctx, in, o...)
}

// TransactWriteItems counts and forwards.
func (c *Counting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.Transactions.Add(1)
	return c.API.TransactWriteItems(ctx, in, o...)
}
