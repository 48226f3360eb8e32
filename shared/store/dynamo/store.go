package dynamo

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/store"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store reads and writes Tollgate's records in one DynamoDB table.
type Store struct {
	db           API
	table        *string
	requireAudit bool
}

// New returns a store over the named table.
func New(db API, table string) *Store { return &Store{db: db, table: aws.String(table)} }

// RequireAudit makes every change refuse to run without an audit record in
// its context (store.ErrUnaudited): production stores use it, so no change
// can be made without its record.
func (s *Store) RequireAudit() *Store {
	s.requireAudit = true
	return s
}

// timeFormat is fixed-width so stored times sort as strings.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeFormat, s) }

func formatOptTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

func parseOptTime(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := parseTime(s)
	return &t, err
}

func pk(projectID string, parts ...string) string {
	return "P#" + projectID + "#" + strings.Join(parts, "#")
}

func key(pkValue, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: pkValue},
		AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

// get reads one item with a strongly consistent read; ErrNotFound if absent.
func (s *Store) get(ctx context.Context, k map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("dynamodb get: %w", err)
	}
	if len(out.Item) == 0 {
		return nil, store.ErrNotFound
	}
	return out.Item, nil
}

// transact runs a write transaction and maps a failed condition on item i
// to onFail(i). The audit record ctx carries is written in the same
// transaction.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem, onFail func(i int) error) error {
	put, ok, err := s.auditPut(ctx)
	if err != nil {
		return err
	}
	if ok {
		items = append(items[:len(items):len(items)], put)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for i, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return onFail(i)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("dynamodb transaction: %w", err)
	}
	return nil
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// listPage queries the owner index partition gsiPK, newest first, resuming
// after cursor (a GSI1SK this store returned, starting with kind).
func (s *Store) listPage(ctx context.Context, gsiPK, kind string, page store.Page,
	tableKey func(gsiSK string) (map[string]types.AttributeValue, bool)) ([]map[string]types.AttributeValue, string, error) {
	in := &dynamodb.QueryInput{
		TableName:              s.table,
		IndexName:              aws.String(IndexOwner),
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :kind)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrGSI1PK, "#sk": AttrGSI1SK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: gsiPK},
			":kind": &types.AttributeValueMemberS{Value: kind},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(page.Limit + 1)), // one more tells whether a next page exists
	}
	if page.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(page.Cursor)
		sk := string(raw)
		if err != nil || !strings.HasPrefix(sk, kind) {
			return nil, "", store.ErrBadCursor
		}
		start, ok := tableKey(sk)
		if !ok {
			return nil, "", store.ErrBadCursor
		}
		start[AttrGSI1PK] = &types.AttributeValueMemberS{Value: gsiPK}
		start[AttrGSI1SK] = &types.AttributeValueMemberS{Value: sk}
		in.ExclusiveStartKey = start
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("dynamodb query: %w", err)
	}
	items, next := out.Items, ""
	if len(items) > page.Limit {
		items = items[:page.Limit]
		if v, ok := items[page.Limit-1][AttrGSI1SK].(*types.AttributeValueMemberS); ok {
			next = base64.RawURLEncoding.EncodeToString([]byte(v.Value))
		}
	}
	return items, next, nil
}

// lastSegment returns what follows the last '#' of an index sort key.
func lastSegment(sk string) (string, bool) {
	i := strings.LastIndexByte(sk, '#')
	if i < 0 || i == len(sk)-1 {
		return "", false
	}
	return sk[i+1:], true
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
