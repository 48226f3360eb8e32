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
	"github.com/tollgate/tollgate/shared/store"
)

// skCount starts the sort key of a failure counter (then #<window start>).
const skCount = "COUNT"

// counterKey is the item counting attempts under throttleKey in the window
// that started at windowStart.
func counterKey(projectID, throttleKey string, windowStart time.Time) map[string]types.AttributeValue {
	return key(pk(projectID, "THROTTLE", throttleKey), skCount+"#"+strconv.FormatInt(windowStart.Unix(), 10))
}

// ReserveAttempt counts one attempt under throttleKey in the window that
// started at windowStart, in one conditional write: store.ErrConflict,
// counting nothing, once the window holds limit. The counter expires with
// the window.
func (s *Store) ReserveAttempt(ctx context.Context, projectID, throttleKey string, windowStart time.Time, window time.Duration, limit int) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      counterKey(projectID, throttleKey, windowStart),
		UpdateExpression:         aws.String("ADD #n :one SET #ttl = :ttl"),
		ConditionExpression:      aws.String("attribute_not_exists(#n) OR #n < :limit"),
		ExpressionAttributeNames: map[string]string{"#n": "count", "#ttl": AttrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one":   &types.AttributeValueMemberN{Value: "1"},
			":limit": &types.AttributeValueMemberN{Value: strconv.Itoa(limit)},
			":ttl":   &types.AttributeValueMemberN{Value: strconv.FormatInt(windowStart.Add(2*window).Unix(), 10)},
		},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("attempt limit reached: %w", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("dynamodb reserve attempt: %w", err)
	}
	return nil
}

// ReleaseAttempt gives back one attempt reserved under throttleKey in the
// window that started at windowStart; nothing when the window holds none
// (it expired, say).
func (s *Store) ReleaseAttempt(ctx context.Context, projectID, throttleKey string, windowStart time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      counterKey(projectID, throttleKey, windowStart),
		UpdateExpression:         aws.String("ADD #n :minus"),
		ConditionExpression:      aws.String("#n > :zero"),
		ExpressionAttributeNames: map[string]string{"#n": "count"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":minus": &types.AttributeValueMemberN{Value: "-1"},
			":zero":  &types.AttributeValueMemberN{Value: "0"},
		},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamodb release attempt: %w", err)
	}
	return nil
}

// Failures returns the attempts counted for key in the window that
// started at windowStart.
func (s *Store) Failures(ctx context.Context, projectID, throttleKey string, windowStart time.Time) (int, error) {
	av, err := s.get(ctx, counterKey(projectID, throttleKey, windowStart))
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
