package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/meter"
)

// Metering events (meter.Event): one partition per project and hour,
// P#<project>#EVENTS#<hour>, so the forwarder reads an hour with one
// Query; the sort key is the event's ID (minute, credential, type), so a
// put conditional on attribute_not_exists(PK) keeps one event per
// credential, type and minute however many instances try. The forwarder
// marks what it has published (forwarded); TTL deletes each a day on.
const (
	attrEventType      = "eventType"
	attrCredentialID   = "credentialId"
	attrCredentialType = "credentialType"
	attrOwner          = "owner"
	attrAt             = "at"
	attrForwarded      = "forwarded"
)

// EventsLeadingKeys is the partition key pattern of the event partitions,
// as IAM's dynamodb:LeadingKeys condition matches it.
const EventsLeadingKeys = "P#*#EVENTS#*"

// eventsPK is the partition of projectID's events of the hour starting at
// hour.
func eventsPK(projectID string, hour time.Time) string {
	return pk(projectID, "EVENTS", meter.MinuteID(hour))
}

// eventItem is a metering event as stored.
type eventItem struct {
	Type         string `dynamodbav:"eventType"`
	CredentialID string `dynamodbav:"credentialId"`
	Kind         string `dynamodbav:"credentialType"`
	Owner        string `dynamodbav:"owner"`
	At           string `dynamodbav:"at"`
	URL          string `dynamodbav:"url,omitempty"`    // of a leak
	Source       string `dynamodbav:"source,omitempty"` // of a leak
}

// RecordMeterEvent stores e unless its credential has an event of its
// type in its minute already: false then. One conditional PutItem.
func (s *Store) RecordMeterEvent(ctx context.Context, projectID string, e meter.Event) (bool, error) {
	av, err := eventAttrs(projectID, e)
	if err != nil {
		return false, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: av, ConditionExpression: aws.String(condNew)})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamodb record meter event: %w", err)
	}
	return true, nil
}

// eventAttrs is e as stored.
func eventAttrs(projectID string, e meter.Event) (item, error) {
	av, err := attributevalue.MarshalMap(eventItem{Type: e.Type, CredentialID: e.CredentialID, Kind: e.Kind, Owner: e.Owner,
		At: formatTime(e.Time), URL: e.URL, Source: e.Source})
	if err != nil {
		return nil, fmt.Errorf("encoding event: %w", err)
	}
	av[AttrPK] = &types.AttributeValueMemberS{Value: eventsPK(projectID, e.Hour())}
	av[AttrSK] = &types.AttributeValueMemberS{Value: e.ID()}
	av[AttrTTL] = number(e.Time.Add(meter.EventRetention).Unix())
	return av, nil
}

// ListMeterEvents lists up to limit events of the hour starting at hour,
// of the minute from and later, not marked forwarded, by ID: one strongly
// consistent Query (and its pages).
func (s *Store) ListMeterEvents(ctx context.Context, projectID string, hour, from time.Time, limit int) ([]meter.Event, error) {
	items, err := s.query(ctx, &dynamodb.QueryInput{
		TableName:                s.table,
		KeyConditionExpression:   aws.String("#pk = :pk AND #sk >= :from"),
		FilterExpression:         aws.String("attribute_not_exists(#fwd)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK, "#fwd": attrForwarded},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: eventsPK(projectID, hour)},
			":from": &types.AttributeValueMemberS{Value: meter.MinuteID(from)},
		},
		ConsistentRead: aws.Bool(true),
	}, limit)
	if err != nil {
		return nil, err
	}
	return decodeEach(items, func(it eventItem) (meter.Event, error) {
		at, err := parseTime(it.At)
		return meter.Event{Type: it.Type, CredentialID: it.CredentialID, Kind: it.Kind, Owner: it.Owner, Time: at,
			URL: it.URL, Source: it.Source}, err
	})
}

// MarkMeterEventForwarded marks e published, so the forwarder's next
// reads skip it; nothing if it is gone.
func (s *Store) MarkMeterEventForwarded(ctx context.Context, projectID string, e meter.Event) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: key(eventsPK(projectID, e.Hour()), e.ID()),
		UpdateExpression:          aws.String("SET #fwd = :true"),
		ConditionExpression:       aws.String(condExist),
		ExpressionAttributeNames:  map[string]string{"#fwd": attrForwarded},
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamodb mark meter event forwarded: %w", err)
	}
	return nil
}

// ForwardCursor is the first minute whose events the forwarder may not
// have published all of; zero before its first run.
func (s *Store) ForwardCursor(ctx context.Context, projectID string) (time.Time, error) {
	return s.readCursor(ctx, projectID, forwardCursor)
}

// SetForwardCursor stores the first minute the next forward reads.
func (s *Store) SetForwardCursor(ctx context.Context, projectID string, minute time.Time) error {
	return s.writeCursor(ctx, projectID, forwardCursor, minute)
}
