package dynamo

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/store"
)

// index names the table's primary key or one of its global secondary
// indexes, with its key attributes.
type index struct{ name, pk, sk string }

var (
	primary  = index{"", AttrPK, AttrSK}
	byOwner  = index{IndexOwner, AttrGSI1PK, AttrGSI1SK}
	byExpiry = index{IndexExpiry, AttrGSI2PK, AttrGSI2SK}
)

// indexQuery asks for the items of one partition of an index whose sort
// keys meet cond (on #sk and :sk, which is value).
type indexQuery struct {
	index     index
	partition string
	cond      string
	value     string
	ascending bool // else the largest sort key first
}

func (q indexQuery) input(table *string) *dynamodb.QueryInput {
	in := &dynamodb.QueryInput{
		TableName:                table,
		KeyConditionExpression:   aws.String("#pk = :pk AND " + q.cond),
		ExpressionAttributeNames: map[string]string{"#pk": q.index.pk, "#sk": q.index.sk},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: q.partition},
			":sk": &types.AttributeValueMemberS{Value: q.value},
		},
		ScanIndexForward: aws.Bool(q.ascending),
	}
	if q.index.name != "" {
		in.IndexName = aws.String(q.index.name)
	}
	return in
}

// query runs in until it has read want items or the partition's end,
// following DynamoDB's pages.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput, want int) ([]item, error) {
	var items []item
	for len(items) < want {
		in.Limit = aws.Int32(int32(want - len(items)))
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dynamodb query: %w", err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return items, nil
}

// indexPage reads one page of q, resuming after page.Cursor: an index sort
// key this store returned, whose item's table key tableKey gives (false
// for a sort key this query never returns). The next cursor names the
// page's last item; "" after the last page.
func (s *Store) indexPage(ctx context.Context, q indexQuery, page store.Page, tableKey func(sk string) (item, bool)) ([]item, string, error) {
	in := q.input(s.table)
	if page.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(page.Cursor)
		if err != nil || !utf8.Valid(raw) {
			return nil, "", store.ErrBadCursor
		}
		start, ok := tableKey(string(raw))
		if !ok {
			return nil, "", store.ErrBadCursor
		}
		start[q.index.pk] = &types.AttributeValueMemberS{Value: q.partition}
		start[q.index.sk] = &types.AttributeValueMemberS{Value: string(raw)}
		in.ExclusiveStartKey = start
	}
	items, err := s.query(ctx, in, page.Limit+1) // one more tells whether a next page exists
	if err != nil || len(items) <= page.Limit {
		return items, "", err
	}
	items = items[:page.Limit]
	return items, base64.RawURLEncoding.EncodeToString([]byte(stringAttr(items[page.Limit-1], q.index.sk))), nil
}

// listOwned lists the records of one kind in a partition of the owner
// index, newest first: kind starts their index sort keys, recordKey gives
// the table key of the record with an id, and from decodes one.
func listOwned[I, T any](ctx context.Context, s *Store, gsiPK, kind string, page store.Page,
	recordKey func(id string) item, from func(I) (T, error)) ([]T, string, error) {
	q := indexQuery{index: byOwner, partition: gsiPK, cond: "begins_with(#sk, :sk)", value: kind}
	avs, next, err := s.indexPage(ctx, q, page, func(sk string) (item, bool) {
		id, ok := lastSegment(sk)
		if !ok || !strings.HasPrefix(sk, kind) {
			return nil, false
		}
		return recordKey(id), true
	})
	if err != nil {
		return nil, "", err
	}
	out, err := decodeEach(avs, from)
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}
