package dynamo_test

import (
	"context"
	"testing"

	"github.com/tollgate/tollgate/shared/dynamolocal"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/store/storetest"
)

func TestMain(m *testing.M) { dynamolocal.Main(m) }

// newTable creates a fresh table in DynamoDB Local.
func newTable(t testing.TB) *dynamo.Store {
	t.Helper()
	ctx := context.Background()
	db, err := dynamo.NewClient(ctx, dynamolocal.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	table := id.New("tollgate")
	if err := dynamo.EnsureTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	return dynamo.New(db, table)
}

func TestContract(t *testing.T) {
	s := newTable(t)
	storetest.Run(t, func(*testing.T) storetest.Store { return s })
}
