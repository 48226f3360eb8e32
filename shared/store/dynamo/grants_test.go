package dynamo_test

import (
	"context"
	"path"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// write is one write request as IAM sees it.
type write struct {
	action, pk, returnValues string
	attributes               []string
}

// recording is a DynamoDB that accepts every write and records it.
type recording struct {
	dynamo.API
	writes []write
}

func (r *recording) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	w := write{action: "dynamodb:UpdateItem", pk: in.Key[dynamo.AttrPK].(*types.AttributeValueMemberS).Value, returnValues: string(in.ReturnValues)}
	for name := range in.Key {
		w.attributes = append(w.attributes, name)
	}
	for _, name := range in.ExpressionAttributeNames {
		w.attributes = append(w.attributes, name)
	}
	r.writes = append(r.writes, w)
	return &dynamodb.UpdateItemOutput{Attributes: map[string]types.AttributeValue{"used": &types.AttributeValueMemberN{Value: "1"}}}, nil
}

func (r *recording) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	w := write{action: "dynamodb:PutItem", pk: in.Item[dynamo.AttrPK].(*types.AttributeValueMemberS).Value, returnValues: string(in.ReturnValues)}
	for name := range in.Item {
		w.attributes = append(w.attributes, name)
	}
	r.writes = append(r.writes, w)
	return &dynamodb.PutItemOutput{}, nil
}

// TestMeterWritesAsGranted: each of the authorizer's metering writes is
// one that dynamo.MeterWrites (the IAM conditions of its grants) allows:
// its action, partition key, attributes and returned values.
func TestMeterWritesAsGranted(t *testing.T) {
	at := time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		write func(context.Context, *dynamo.Store) error
	}{
		{"LeaseRate", func(ctx context.Context, s *dynamo.Store) error {
			_, err := s.LeaseRate(ctx, "p", "key_a", at, time.Minute, 10, 1)
			return err
		}},
		{"LeaseQuota", func(ctx context.Context, s *dynamo.Store) error {
			_, err := s.LeaseQuota(ctx, "p", "key_a", at, at, 1)
			return err
		}},
		{"AddUsage", func(ctx context.Context, s *dynamo.Store) error { return s.AddUsage(ctx, "p", "key_a", at, 1, 1) }},
		{"RecordMeterEvent", func(ctx context.Context, s *dynamo.Store) error {
			_, err := s.RecordMeterEvent(ctx, "p", meter.Event{Type: meter.EventRateLimited, CredentialID: "key_a", Kind: "api_key", Owner: "usr_a", Time: at})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &recording{}
			if err := tc.write(context.Background(), dynamo.New(db, "t")); err != nil || len(db.writes) != 1 {
				t.Fatalf("err %v after %d writes, want one", err, len(db.writes))
			}
			w := db.writes[0]
			if !slices.ContainsFunc(dynamo.MeterWrites, func(g dynamo.MeterWrite) bool { return granted(g, w) }) {
				t.Fatalf("%+v is not among the granted writes %+v", w, dynamo.MeterWrites)
			}
		})
	}
}

// TestProofWriteAsGranted: the authorizer's record of a DPoP proof's jti
// is the one write dynamo.ProofWrite allows, and a client assertion's is
// not (the authorizer may not spend those).
func TestProofWriteAsGranted(t *testing.T) {
	exp := time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		issuer string
		want   bool
	}{
		{"dpop:0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", true},
		{"usr_a", false},
	} {
		db := &recording{}
		if err := dynamo.New(db, "t").RecordAssertion(context.Background(), "p", tc.issuer, "jti-1", exp); err != nil || len(db.writes) != 1 {
			t.Fatalf("err %v after %d writes, want one", err, len(db.writes))
		}
		if got := granted(dynamo.ProofWrite, db.writes[0]); got != tc.want {
			t.Fatalf("issuer %s: %+v granted = %v", tc.issuer, db.writes[0], got)
		}
	}
}

// granted reports whether g allows w.
func granted(g dynamo.MeterWrite, w write) bool {
	rv := w.returnValues
	if rv == "" {
		rv = "NONE"
	}
	if g.Action != w.action || rv != g.ReturnValues || !slices.ContainsFunc(g.LeadingKeys, func(p string) bool { ok, _ := path.Match(p, w.pk); return ok }) {
		return false
	}
	for _, a := range w.attributes {
		if !slices.Contains(g.Attributes, a) {
			return false
		}
	}
	return true
}
