package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/user"
)

// colliding is a DynamoDB whose transactions are cancelled with reason
// TransactionConflict (another transaction was changing the item) the
// first collisions times.
type colliding struct {
	dynamo.API
	collisions, calls int
}

func (c *colliding) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.calls++
	if c.calls <= c.collisions {
		return nil, &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{
			{Code: aws.String("TransactionConflict")}, {Code: aws.String("None")},
		}}
	}
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

// TestTransactionCollisions: a transaction DynamoDB cancels for colliding
// with another (which the SDK does not retry) runs again, its conditions
// evaluated afresh; one that keeps colliding is store.ErrConflict, never an
// internal error, so the management API reads again and retries it too.
func TestTransactionCollisions(t *testing.T) {
	at := time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)
	ctx := audit.With(context.Background(), audit.New("p", "usr_admin", audit.UserUpdate, audit.User("usr_a"), "", "", at))
	u := user.User{ProjectID: "p", ID: "usr_a", Username: "a", CreatedAt: at, Version: 1}
	for _, tc := range []struct {
		collisions, wantCalls int
		want                  error
	}{
		{collisions: 2, wantCalls: 3},
		{collisions: 3, wantCalls: 3, want: store.ErrConflict},
	} {
		db := &colliding{collisions: tc.collisions}
		s := dynamo.New(db, "t")
		for name, write := range map[string]func() error{
			"transaction": func() error { return s.DeleteUser(ctx, u) },
			"update":      func() error { return s.UpdateUser(ctx, u) },
		} {
			db.calls = 0
			if err := write(); !errors.Is(err, tc.want) || tc.want == nil && err != nil || db.calls != tc.wantCalls {
				t.Errorf("%s after %d collisions: err = %v after %d calls; want %v after %d", name, tc.collisions, err, db.calls, tc.want, tc.wantCalls)
			}
		}
	}
}
