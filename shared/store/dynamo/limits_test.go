package dynamo_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// TestLimitAttributes pins the attributes the authorizer's metering reads
// and writes: rateLimit and quota (configuration) on a key's record and
// lookup items and on a client's item, quotaRemaining and quotaPeriod (the
// balance) on the record items only, and their removal.
func TestLimitAttributes(t *testing.T) {
	db, table := localtest.NewTable(t)
	s := dynamo.New(db, table)
	ctx := context.Background()
	p := id.New("prj")
	now := time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)
	limits := meter.Limits{Rate: &meter.RateLimit{Limit: 100, Window: time.Minute},
		Quota: quota(meter.Quota{Limit: 10000, Refill: &meter.Refill{Amount: 5000, Interval: meter.Day}}.ResetTo(250, now))}
	k, _, err := apikey.New(p, "usr_a", "metered", nil, now, nil, "")
	must(t, err)
	k.Limits = limits
	must(t, s.CreateKey(ctx, k))
	c, _, err := credential.NewClient(p, "usr_a", "svc", nil, now, "")
	must(t, err)
	c.Limits = limits
	must(t, s.CreateClient(ctx, c))

	const (
		config  = `{"quota":{"limit":10000,"refillAmount":5000,"refillInterval":"day"},"rateLimit":{"limit":100,"windowSeconds":60}}`
		balance = `{"quotaPeriod":"2026-11-23T00:00:00.000000000Z","quotaRemaining":250}`
		none    = `{}`
	)
	record, lookup, client := "P#"+p+"#KEY#"+k.ID, "P#"+p+"#HASH#"+k.Hash.String(), "P#"+p+"#CRED#"+c.ID
	wantAttrs(t, db, table, record, "KEY", config, balance)
	wantAttrs(t, db, table, lookup, "CRED", config, none)
	wantAttrs(t, db, table, client, "CRED", config, balance)

	// Without a refill there is no period; without limits, no attribute.
	k.Version, c.Version = 1, 1
	k.Limits = meter.Limits{Quota: quota(meter.Quota{Limit: 3}.ResetTo(0, now))}
	must(t, s.UpdateKey(ctx, k))
	wantAttrs(t, db, table, record, "KEY", `{"quota":{"limit":3}}`, `{"quotaRemaining":0}`)
	wantAttrs(t, db, table, lookup, "CRED", `{"quota":{"limit":3}}`, none)
	c.Limits = meter.Limits{}
	must(t, s.UpdateClient(ctx, c))
	wantAttrs(t, db, table, client, "CRED", none, none)
	k.Version, k.Limits = 2, meter.Limits{}
	must(t, s.UpdateKey(ctx, k))
	wantAttrs(t, db, table, record, "KEY", none, none)
	wantAttrs(t, db, table, lookup, "CRED", none, none)
}

// wantAttrs reads the item at pk, sk raw and asserts its limit attributes:
// config (rateLimit, quota) and balance (quotaRemaining, quotaPeriod), as
// JSON objects of what is present.
func wantAttrs(t *testing.T, db *dynamodb.Client, table, pk, sk, config, balance string) {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}})
	must(t, err)
	if len(out.Item) == 0 {
		t.Fatalf("no item %s %s", pk, sk)
	}
	pick := func(names ...string) string {
		m := map[string]any{}
		for _, n := range names {
			if av, ok := out.Item[n]; ok {
				var v any
				must(t, attributevalue.Unmarshal(av, &v))
				m[n] = v
			}
		}
		b, err := json.Marshal(m)
		must(t, err)
		return string(b)
	}
	if got := pick("rateLimit", "quota"); got != config {
		t.Errorf("%s: configuration %s, want %s", pk, got, config)
	}
	if got := pick("quotaRemaining", "quotaPeriod"); got != balance {
		t.Errorf("%s: balance %s, want %s", pk, got, balance)
	}
}

func quota(q meter.Quota) *meter.Quota { return &q }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
