package refresh_test

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// BenchmarkExchangeDynamoDBLocal: one refresh exchange (read the token and
// its family, then one transaction) against DynamoDB Local, along a chain of
// successors.
func BenchmarkExchangeDynamoDBLocal(b *testing.B) {
	db, table := localtest.NewTable(b)
	api := &localtest.Counting{API: db}
	s := dynamo.New(api, table)
	_, tok := newFamily(b, s)
	e := &refresh.Exchanger{Store: s, Sealer: sealer(b), Grace: refresh.DefaultGrace}
	gets, txs := api.Gets.Load(), api.Transactions.Load()
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		_, next, err := e.Exchange(context.Background(), project, tok, "", now, nil)
		if err != nil {
			b.Fatal(err)
		}
		tok = next
	}
	b.ReportMetric(float64(api.Gets.Load()-gets)/float64(b.N), "GetItem/op")
	b.ReportMetric(float64(api.Transactions.Load()-txs)/float64(b.N), "TransactWriteItems/op")
}
