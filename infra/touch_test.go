package main

import (
	"context"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tollgate/tollgate/infra/stack"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

func TestMain(m *testing.M) { localtest.Main(m) }

// recording passes every call to a DynamoDB client and keeps the
// UpdateItem inputs.
type recording struct {
	dynamo.API
	mu      sync.Mutex
	updates []*dynamodb.UpdateItemInput
}

func (r *recording) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.mu.Lock()
	r.updates = append(r.updates, in)
	r.mu.Unlock()
	return r.API.UpdateItem(ctx, in, o...)
}

// TestTouchKeyWithinAuthorizerGrant runs the authorizer's only write, the
// store's TouchKey, against DynamoDB Local and checks that each request
// stays inside the conditions of stack.Table.GrantLookup (the attributes it
// names, its partition key, ReturnValues) and that the stored item changes
// in lastUsedAt only.
func TestTouchKeyWithinAuthorizerGrant(t *testing.T) {
	db, table := localtest.NewTable(t)
	rec := &recording{API: db}
	st := dynamo.New(rec, table)
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	k, _, err := apikey.New("proj", "usr_1", "ci", nil, now, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	before := keyItems(t, db, table)
	rec.updates = nil
	for i, at := range []time.Time{now.Add(time.Minute), now.Add(time.Minute + time.Second), now.Add(time.Hour)} {
		if err := st.TouchKey(ctx, k.ProjectID, k.ID, at, time.Minute); err != nil {
			t.Fatalf("touch %d: %v", i, err)
		}
	}
	// A key that does not exist: the condition fails, nothing is written.
	if err := st.TouchKey(ctx, k.ProjectID, "key_missing", now, time.Minute); err != nil {
		t.Fatal(err)
	}
	if len(rec.updates) != 4 {
		t.Fatalf("%d UpdateItem calls, want 4", len(rec.updates))
	}
	leading := likePattern(stack.TouchedLeadingKeys)
	for i, in := range rec.updates {
		if names := attributeNames(in); !subset(names, stack.TouchedAttributes) {
			t.Errorf("update %d names attributes %v, the grant allows %v", i, names, stack.TouchedAttributes)
		}
		if pk := in.Key[dynamo.AttrPK].(*types.AttributeValueMemberS).Value; !leading.MatchString(pk) {
			t.Errorf("update %d: partition key %q does not match the grant's %q", i, pk, stack.TouchedLeadingKeys)
		}
		if in.ReturnValues != "" && in.ReturnValues != types.ReturnValueNone {
			t.Errorf("update %d asks for ReturnValues %s", i, in.ReturnValues)
		}
	}
	after := keyItems(t, db, table)
	if len(after) != len(before) {
		t.Fatalf("%d items after the touches, %d before", len(after), len(before))
	}
	touched := 0
	for pk, item := range after {
		if item["lastUsedAt"] != nil {
			touched++
		}
		for name := range union(item, before[pk]) {
			if name != "lastUsedAt" && !reflect.DeepEqual(item[name], before[pk][name]) {
				t.Errorf("%s: attribute %s changed", pk, name)
			}
		}
	}
	if touched != 1 {
		t.Errorf("%d items carry lastUsedAt, want the key record only", touched)
	}
}

// keyItems scans the whole table, by partition key.
func keyItems(t *testing.T, db *dynamodb.Client, table string) map[string]map[string]types.AttributeValue {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]map[string]types.AttributeValue{}
	for _, it := range out.Items {
		items[it[dynamo.AttrPK].(*types.AttributeValueMemberS).Value+" "+it[dynamo.AttrSK].(*types.AttributeValueMemberS).Value] = it
	}
	return items
}

// identifier is an attribute name written bare in an expression, or a
// function or keyword (followed by "(" or in keywords).
var identifier = regexp.MustCompile(`[#:]?[A-Za-z_][A-Za-z0-9_]*\(?`)

var keywords = map[string]bool{"SET": true, "REMOVE": true, "ADD": true, "DELETE": true, "AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true}

// attributeNames lists the attributes an UpdateItem names, as IAM's
// dynamodb:Attributes sees them: the key, the placeholders' names and the
// bare names in its expressions.
func attributeNames(in *dynamodb.UpdateItemInput) []string {
	var names []string
	for n := range in.Key {
		names = append(names, n)
	}
	for _, n := range in.ExpressionAttributeNames {
		names = append(names, n)
	}
	for _, expr := range []*string{in.UpdateExpression, in.ConditionExpression} {
		for _, tok := range identifier.FindAllString(aws.ToString(expr), -1) {
			if !strings.ContainsAny(tok[:1], "#:") && !strings.HasSuffix(tok, "(") && !keywords[strings.ToUpper(tok)] {
				names = append(names, tok)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// likePattern compiles an IAM StringLike pattern (* any run, ? one).
func likePattern(p string) *regexp.Regexp {
	q := regexp.QuoteMeta(p)
	q = strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(q)
	return regexp.MustCompile("^" + q + "$")
}

func subset(names, allowed []string) bool {
	for _, n := range names {
		if !slices.Contains(allowed, n) {
			return false
		}
	}
	return true
}

func union(a, b map[string]types.AttributeValue) map[string]bool {
	out := map[string]bool{}
	for n := range a {
		out[n] = true
	}
	for n := range b {
		out[n] = true
	}
	return out
}
