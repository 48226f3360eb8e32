package localtest

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/services"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// Variables that make a stand-in that cannot start (not installed) a
// failure instead of a skip (`make test` sets both).
const (
	RequireDynamoDB = "TOLLGATE_REQUIRE_DYNAMODB_LOCAL"
	RequireKMS      = "TOLLGATE_REQUIRE_LOCAL_KMS"
)

var (
	dynamoDB = &shared{requireEnv: RequireDynamoDB, find: services.FindDynamoDB, start: services.StartDynamoDB}
	// local-kms keeps its data in a temporary folder, removed at the end.
	localKMS = &shared{requireEnv: RequireKMS, find: services.FindKMS, start: services.StartKMS, tempDir: true}
)

// Main runs a test binary and stops whatever stand-ins its tests started.
func Main(m *testing.M) {
	code := m.Run()
	dynamoDB.stopNow()
	localKMS.stopNow()
	os.Exit(code)
}

// accessKey is the test binary's DynamoDB Local access key, fresh and
// random per binary: DynamoDB Local listens on every interface, and only
// this key sees the tables the tests create.
var accessKey = services.NewAccessKey()

// DynamoDB returns an in-memory DynamoDB Local shared by the test binary,
// starting it on first use, and the binary's access key to it. Use it only
// in binaries run through Main.
func DynamoDB(t testing.TB) dynamo.Local {
	t.Helper()
	return dynamo.Local{Endpoint: dynamoDB.endpointFor(t), AccessKey: accessKey}
}

// KMS returns the endpoint of a local-kms shared by the test binary,
// starting it on first use. Use it only in binaries run through Main.
func KMS(t testing.TB) string {
	t.Helper()
	return localKMS.endpointFor(t)
}

// NewTable creates a fresh Tollgate table in the shared DynamoDB Local and
// returns a client for it and its name.
func NewTable(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	ctx := context.Background()
	db, err := dynamo.NewLocalClient(ctx, DynamoDB(t))
	if err != nil {
		t.Fatal(err)
	}
	table := id.New("tollgate")
	if err := dynamo.EnsureTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	return db, table
}

// shared is a server a test binary starts on first use and stops at the end.
type shared struct {
	requireEnv string
	find       func(dir string) (string, error)
	start      func(ctx context.Context, installed, dataDir string) (*services.Server, error)
	tempDir    bool // keep the data in a temporary folder (else in memory)

	once     sync.Once
	endpoint string
	stop     func()
	err      error
}

func (s *shared) endpointFor(t testing.TB) string {
	t.Helper()
	s.once.Do(func() { s.endpoint, s.stop, s.err = s.run() })
	switch {
	case s.err == nil:
		return s.endpoint
	case os.Getenv(s.requireEnv) != "":
		t.Fatal(s.err)
	default:
		t.Skip(s.err)
	}
	return ""
}

func (s *shared) run() (string, func(), error) {
	installed, err := s.find(".")
	if err != nil {
		return "", nil, err
	}
	dir := ""
	if s.tempDir {
		if dir, err = os.MkdirTemp("", "tollgate-local"); err != nil {
			return "", nil, err
		}
	}
	srv, err := s.start(context.Background(), installed, dir)
	if err != nil {
		return "", nil, err
	}
	return srv.Endpoint, func() {
		srv.Stop()
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	}, nil
}

func (s *shared) stopNow() {
	if s.stop != nil {
		s.stop()
	}
}

// Counting wraps a DynamoDB client and counts the calls a benchmark or
// test makes, by operation.
type Counting struct {
	dynamo.API
	Gets, Puts, Updates, Queries, Transactions atomic.Int64
}

// GetItem counts and forwards.
func (c *Counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return count(&c.Gets, c.API.GetItem, ctx, in, o)
}

// PutItem counts and forwards.
func (c *Counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return count(&c.Puts, c.API.PutItem, ctx, in, o)
}

// UpdateItem counts and forwards.
func (c *Counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return count(&c.Updates, c.API.UpdateItem, ctx, in, o)
}

// Query counts and forwards.
func (c *Counting) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return count(&c.Queries, c.API.Query, ctx, in, o)
}

// TransactWriteItems counts and forwards.
func (c *Counting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return count(&c.Transactions, c.API.TransactWriteItems, ctx, in, o)
}

func count[I, O any](n *atomic.Int64, call func(context.Context, I, ...func(*dynamodb.Options)) (O, error), ctx context.Context, in I, o []func(*dynamodb.Options)) (O, error) {
	n.Add(1)
	return call(ctx, in, o...)
}
