package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// skCount starts the sort key of a failure counter (then #<window start>).
const skCount = "COUNT"

// AddFailure counts one failed attempt for key in the window that started
// at windowStart, and returns the window's count; the counter expires with
// the window.
func (s *Store) AddFailure(ctx context.Context, projectID, throttleKey string, windowStart time.Time, window time.Duration) (int, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      key(pk(projectID, "THROTTLE", throttleKey), skCount+"#"+strconv.FormatInt(windowStart.Unix(), 10)),
		UpdateExpression:         aws.String("ADD #n :one SET #ttl = :ttl"),
		ExpressionAttributeNames: map[string]string{"#n": "count", "#ttl": AttrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": &types.AttributeValueMemberN{Value: "1"},
			":ttl": &types.AttributeValueMemberN{Value: strconv.FormatInt(windowStart.Add(2*window).Unix(), 10)},
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("dynamodb count failure: %w", err)
	}
	var n int
	if err := attributevalue.Unmarshal(out.Attributes["count"], &n); err != nil {
		return 0, fmt.Errorf("decoding failure count: %w", err)
	}
	return n, nil
}

// Failures returns the failed attempts counted for key in the window that
// started at windowStart.
func (s *Store) Failures(ctx context.Context, projectID, throttleKey string, windowStart time.Time) (int, error) {
	av, err := s.get(ctx, key(pk(projectID, "THROTTLE", throttleKey), skCount+"#"+strconv.FormatInt(windowStart.Unix(), 10)))
	if err != nil {
		if isNotFound(err) {
			return 0, nil
		}
		return 0, err
	}
	var n int
	if err := attributevalue.Unmarshal(av["count"], &n); err != nil {
		return 0, fmt.Errorf("decoding failure count: %w", err)
	}
	return n, nil
}
