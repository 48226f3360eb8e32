package dynamo

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/store"
)

// auditItem is one audit record: in its day's partition, ordered by time,
// and in its target's partition of the owner index. It has no TTL.
type auditItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	GSI1PK     string `dynamodbav:"GSI1PK"`
	GSI1SK     string `dynamodbav:"GSI1SK"`
	Type       string `dynamodbav:"type"`
	ID         string `dynamodbav:"id"`
	ProjectID  string `dynamodbav:"projectId"`
	Time       string `dynamodbav:"time"`
	Actor      string `dynamodbav:"actor"`
	Action     string `dynamodbav:"action"`
	TargetType string `dynamodbav:"targetType"`
	TargetID   string `dynamodbav:"targetId"`
	SourceIP   string `dynamodbav:"sourceIp"`
	RequestID  string `dynamodbav:"requestId"`
}

const kindAudit = "AUDIT#"

// DefaultAuditWindow is how far back ListAudit looks without a since.
const DefaultAuditWindow = 90 * 24 * time.Hour

func auditDayPK(projectID string, t time.Time) string {
	return pk(projectID, "AUDIT", t.UTC().Format(time.DateOnly))
}

func auditTargetPK(projectID, targetID string) string { return pk(projectID, "AUDITTARGET", targetID) }

// auditPut is the Put of the record ctx carries; false if it carries none
// (store.ErrUnaudited instead when the store requires records).
func (s *Store) auditPut(ctx context.Context) (types.TransactWriteItem, bool, error) {
	r, ok := audit.From(ctx)
	if !ok && s.requireAudit {
		return types.TransactWriteItem{}, false, store.ErrUnaudited
	}
	if !ok {
		return types.TransactWriteItem{}, false, nil
	}
	sk := formatTime(r.Time) + "#" + r.ID
	av, err := attributevalue.MarshalMap(auditItem{
		PK: auditDayPK(r.ProjectID, r.Time), SK: sk,
		GSI1PK: auditTargetPK(r.ProjectID, r.TargetID), GSI1SK: kindAudit + sk,
		Type: "audit", ID: r.ID, ProjectID: r.ProjectID, Time: formatTime(r.Time), Actor: r.Actor, Action: r.Action,
		TargetType: r.TargetType, TargetID: r.TargetID, SourceIP: r.SourceIP, RequestID: r.RequestID,
	})
	if err != nil {
		return types.TransactWriteItem{}, false, fmt.Errorf("encoding audit record: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: av,
		ConditionExpression: aws.String("attribute_not_exists(PK)")}}, true, nil
}

// update runs a single-item update; with an audit record in ctx it runs the
// update and the record's Put as one transaction, and reports a failed
// condition on the update as a ConditionalCheckFailedException, as the
// single UpdateItem would have.
func (s *Store) update(ctx context.Context, in *dynamodb.UpdateItemInput) error {
	put, ok, err := s.auditPut(ctx)
	if err != nil {
		return err
	}
	if !ok {
		_, err := s.db.UpdateItem(ctx, in)
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: in.TableName, Key: in.Key, UpdateExpression: in.UpdateExpression,
			ConditionExpression: in.ConditionExpression, ExpressionAttributeNames: in.ExpressionAttributeNames,
			ExpressionAttributeValues: in.ExpressionAttributeValues,
		}},
		put,
	}})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) > 0 &&
		aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		return &types.ConditionalCheckFailedException{Message: aws.String("the conditional request failed")}
	}
	return err
}

// ListAudit lists a project's audit records newest first, back to since
// (DefaultAuditWindow before now when zero): one target's records from the
// owner index when targetID is set, else the day partitions from now's day
// back to since's day.
func (s *Store) ListAudit(ctx context.Context, projectID, targetID string, since, now time.Time, page store.Page) ([]audit.Record, string, error) {
	if since.IsZero() {
		since = now.Add(-DefaultAuditWindow)
	}
	if targetID != "" {
		return s.listAuditTarget(ctx, projectID, targetID, since, page)
	}
	day, startSK := now.UTC().Truncate(24*time.Hour), ""
	if page.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(page.Cursor)
		d, sk, found := strings.Cut(string(raw), "|")
		t, terr := time.Parse(time.DateOnly, d)
		if err != nil || terr != nil || !found || !validAuditSK(sk) {
			return nil, "", store.ErrBadCursor
		}
		day, startSK = t, sk
	}
	sinceDay := since.UTC().Truncate(24 * time.Hour)
	var items []auditItem
	days := []time.Time{}
	for ; !day.Before(sinceDay) && len(items) <= page.Limit; day, startSK = day.Add(-24*time.Hour), "" {
		var start map[string]types.AttributeValue
		if startSK != "" {
			start = key(auditDayPK(projectID, day), startSK)
		}
		for len(items) <= page.Limit {
			out, err := s.db.Query(ctx, &dynamodb.QueryInput{
				TableName:                s.table,
				KeyConditionExpression:   aws.String("#pk = :pk AND #sk >= :since"),
				ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk":    &types.AttributeValueMemberS{Value: auditDayPK(projectID, day)},
					":since": &types.AttributeValueMemberS{Value: formatTime(since)},
				},
				ScanIndexForward: aws.Bool(false), ExclusiveStartKey: start,
				Limit: aws.Int32(int32(page.Limit + 1 - len(items))),
			})
			if err != nil {
				return nil, "", fmt.Errorf("dynamodb query audit: %w", err)
			}
			for _, av := range out.Items {
				var it auditItem
				if err := attributevalue.UnmarshalMap(av, &it); err != nil {
					return nil, "", fmt.Errorf("decoding audit record: %w", err)
				}
				items, days = append(items, it), append(days, day)
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			start = out.LastEvaluatedKey
		}
	}
	next := ""
	if len(items) > page.Limit {
		items = items[:page.Limit]
		last := page.Limit - 1
		next = base64.RawURLEncoding.EncodeToString([]byte(days[last].Format(time.DateOnly) + "|" + items[last].SK))
	}
	recs, _, err := fromAuditItems(items)
	return recs, next, err
}

func (s *Store) listAuditTarget(ctx context.Context, projectID, targetID string, since time.Time, page store.Page) ([]audit.Record, string, error) {
	gsiPK := auditTargetPK(projectID, targetID)
	in := &dynamodb.QueryInput{
		TableName: s.table, IndexName: aws.String(IndexOwner),
		KeyConditionExpression:   aws.String("#pk = :pk AND #sk >= :since"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrGSI1PK, "#sk": AttrGSI1SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":    &types.AttributeValueMemberS{Value: gsiPK},
			":since": &types.AttributeValueMemberS{Value: kindAudit + formatTime(since)},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(page.Limit + 1)),
	}
	if page.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(page.Cursor)
		sk, found := strings.CutPrefix(string(raw), kindAudit)
		if err != nil || !found || !validAuditSK(sk) {
			return nil, "", store.ErrBadCursor
		}
		t, _ := parseTime(sk[:len(timeFormat)])
		start := key(auditDayPK(projectID, t), sk)
		start[AttrGSI1PK] = &types.AttributeValueMemberS{Value: gsiPK}
		start[AttrGSI1SK] = &types.AttributeValueMemberS{Value: string(raw)}
		in.ExclusiveStartKey = start
	}
	var items []auditItem
	for len(items) <= page.Limit {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("dynamodb query audit: %w", err)
		}
		for _, av := range out.Items {
			var it auditItem
			if err := attributevalue.UnmarshalMap(av, &it); err != nil {
				return nil, "", fmt.Errorf("decoding audit record: %w", err)
			}
			items = append(items, it)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
		in.Limit = aws.Int32(int32(page.Limit + 1 - len(items)))
	}
	next := ""
	if len(items) > page.Limit {
		items = items[:page.Limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(items[page.Limit-1].GSI1SK))
	}
	recs, _, err := fromAuditItems(items)
	return recs, next, err
}

// validAuditSK checks a cursor's sort key: <time>#<id>.
func validAuditSK(sk string) bool {
	if len(sk) < len(timeFormat)+2 || sk[len(timeFormat)] != '#' {
		return false
	}
	_, err := parseTime(sk[:len(timeFormat)])
	return err == nil
}

func fromAuditItems(items []auditItem) ([]audit.Record, string, error) {
	out := make([]audit.Record, 0, len(items))
	for _, it := range items {
		t, err := parseTime(it.Time)
		if err != nil {
			return nil, "", fmt.Errorf("decoding audit record %s: %w", it.ID, err)
		}
		out = append(out, audit.Record{ID: it.ID, ProjectID: it.ProjectID, Time: t, Actor: it.Actor, Action: it.Action,
			TargetType: it.TargetType, TargetID: it.TargetID, SourceIP: it.SourceIP, RequestID: it.RequestID})
	}
	return out, "", nil
}
