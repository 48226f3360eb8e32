package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/store"
)

// Metering items: a rate-limit counter per counted id and window, and
// usage counts per credential and hour. A quota's balance is kept on its
// credential's own item (the key record, the client's session), in
// quotaRemaining and quotaPeriod.
const (
	attrUsed       = "used"
	attrAuthorized = "authorized"
	attrRefused    = "refused"
	// usageRetention keeps usage counts a day longer than GET …/usage shows.
	usageRetention = 8 * 24 * time.Hour
	// usageHours bounds ListUsage: the hours of the retention.
	usageHours = int(usageRetention / time.Hour)
)

func ratePK(projectID, counted string) string { return pk(projectID, "RATE", counted) }

func usagePK(projectID, credentialID string) string { return pk(projectID, "USAGE", credentialID) }

// LeaseRate adds up to n to the use of counted's window starting at window
// (of length length, limit counts in all) and returns how many it added: 0
// when the window's counts are all taken. One conditional write: the store
// never hands out more than limit in a window.
func (s *Store) LeaseRate(ctx context.Context, projectID, counted string, window time.Time, length time.Duration, limit, n int64) (int64, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      key(ratePK(projectID, counted), strconv.FormatInt(window.Unix(), 10)),
		UpdateExpression:         aws.String("ADD #used :n SET #ttl = :ttl"),
		ConditionExpression:      aws.String("attribute_not_exists(#used) OR #used < :limit"),
		ExpressionAttributeNames: map[string]string{"#used": attrUsed, "#ttl": AttrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": number(n), ":limit": number(limit), ":ttl": number(window.Add(length + time.Hour).Unix()),
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if isConditionFailed(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("dynamodb lease rate: %w", err)
	}
	var got struct {
		Used int64 `dynamodbav:"used"`
	}
	if err := attributevalue.UnmarshalMap(out.Attributes, &got); err != nil {
		return 0, fmt.Errorf("decoding rate counter: %w", err)
	}
	// The counter held got.Used-n before: below the limit.
	return min(n, limit-(got.Used-n)), nil
}

// quotaKey is the item holding the quota of credentialID: a key's record
// or a client's session.
func quotaKey(projectID, credentialID string) (item, bool) {
	switch {
	case strings.HasPrefix(credentialID, apikey.IDPrefix+"_"):
		return key(keyPK(projectID, credentialID), skKey), true
	case strings.HasPrefix(credentialID, string(credential.KindClient)+"_"):
		return key(sessionPK(projectID, credentialID), skSession), true
	}
	return nil, false
}

// quotaAttempts bounds LeaseQuota's conditional writes: each failure means
// another instance took credits or a refill began in between.
const quotaAttempts = 8

// LeaseQuota takes up to n credits of credentialID's quota and returns how
// many it took: 0 when none are left. period is the refill interval the
// caller believes current (zero without a refill): the fast path is one
// conditional decrement; otherwise the stored quota is refilled as due
// (meter.Quota.At) and what is left taken, each write conditional on the
// balance it read, so credits are never taken twice. A credential without
// a quota (removed meanwhile) gets all n; one that is gone, ErrNotFound.
func (s *Store) LeaseQuota(ctx context.Context, projectID, credentialID string, period, now time.Time, n int64) (int64, error) {
	k, ok := quotaKey(projectID, credentialID)
	if !ok {
		return 0, fmt.Errorf("quota of %s: %w", credentialID, store.ErrNotFound)
	}
	names := map[string]string{"#rem": attrQuotaRemaining, "#per": attrQuotaPeriod}
	values := map[string]types.AttributeValue{":n": number(n)}
	cond := "#rem >= :n AND "
	if period.IsZero() {
		cond += "attribute_not_exists(#per)"
	} else {
		cond += "#per = :per"
		values[":per"] = &types.AttributeValueMemberS{Value: formatTime(period)}
	}
	in := &dynamodb.UpdateItemInput{
		TableName: s.table, Key: k, UpdateExpression: aws.String("SET #rem = #rem - :n"),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	take := n
	for range quotaAttempts {
		_, err := s.db.UpdateItem(ctx, in)
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			return take, nil
		case !errors.As(err, &ccf):
			return 0, fmt.Errorf("dynamodb lease quota: %w", err)
		case len(ccf.Item) == 0:
			return 0, fmt.Errorf("quota of %s: %w", credentialID, store.ErrNotFound)
		}
		var st limitsItem // the credential's quota as stored: configuration and balance
		if err := attributevalue.UnmarshalMap(ccf.Item, &st); err != nil {
			return 0, fmt.Errorf("decoding quota: %w", err)
		}
		var p parser
		q := p.limits(st).Quota
		if p.err != nil {
			return 0, fmt.Errorf("decoding quota: %w", p.err)
		}
		if q == nil {
			return n, nil // no quota any more: nothing to spend
		}
		remaining, current := q.At(now)
		if take = min(n, remaining); take == 0 && current.Equal(q.Period) {
			return 0, nil
		}
		in = refillAndTake(s.table, k, st, remaining-take, current)
	}
	return 0, fmt.Errorf("quota of %s: %w", credentialID, errCollided)
}

// refillAndTake is the write that sets a quota's balance to left in the
// interval starting at current, on condition that its balance and period
// are still as st read them.
func refillAndTake(table *string, k item, st limitsItem, left int64, current time.Time) *dynamodb.UpdateItemInput {
	names := map[string]string{"#rem": attrQuotaRemaining, "#per": attrQuotaPeriod}
	was := int64(0)
	if st.Remaining != nil {
		was = *st.Remaining
	}
	values := map[string]types.AttributeValue{":left": number(left), ":was": number(was)}
	set, cond := "SET #rem = :left", "#rem = :was AND "
	if !current.IsZero() {
		set += ", #per = :cur"
		values[":cur"] = &types.AttributeValueMemberS{Value: formatTime(current)}
	}
	if st.Period == "" {
		cond += "attribute_not_exists(#per)"
	} else {
		cond += "#per = :old"
		values[":old"] = &types.AttributeValueMemberS{Value: st.Period}
	}
	return &dynamodb.UpdateItemInput{
		TableName: table, Key: k, UpdateExpression: aws.String(set), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}

// AddUsage adds to credentialID's counts of the hour starting at hour.
func (s *Store) AddUsage(ctx context.Context, projectID, credentialID string, hour time.Time, authorized, refused int64) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      key(usagePK(projectID, credentialID), formatTime(hour)),
		UpdateExpression:         aws.String("ADD #a :a, #r :r SET #ttl = :ttl"),
		ExpressionAttributeNames: map[string]string{"#a": attrAuthorized, "#r": attrRefused, "#ttl": AttrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":a": number(authorized), ":r": number(refused), ":ttl": number(hour.Add(usageRetention).Unix()),
		},
	})
	if err != nil {
		return fmt.Errorf("dynamodb add usage: %w", err)
	}
	return nil
}

// ListUsage reads credentialID's hourly counts from since on, oldest first.
func (s *Store) ListUsage(ctx context.Context, projectID, credentialID string, since time.Time) ([]meter.Usage, error) {
	items, err := s.query(ctx, &dynamodb.QueryInput{
		TableName:                s.table,
		KeyConditionExpression:   aws.String("#pk = :pk AND #sk >= :since"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":    &types.AttributeValueMemberS{Value: usagePK(projectID, credentialID)},
			":since": &types.AttributeValueMemberS{Value: formatTime(since)},
		},
	}, usageHours)
	if err != nil {
		return nil, err
	}
	return decodeEach(items, func(it struct {
		SK         string `dynamodbav:"SK"`
		Authorized int64  `dynamodbav:"authorized"`
		Refused    int64  `dynamodbav:"refused"`
	}) (meter.Usage, error) {
		hour, err := parseTime(it.SK)
		return meter.Usage{Hour: hour, Authorized: it.Authorized, Refused: it.Refused}, err
	})
}

// MeterWrite is one kind of the authorizer's writes (metering, and
// ProofWrite), as IAM conditions name it: the
// action, the partition keys it writes, the attributes it writes (PK and
// SK among them: IAM counts them as written by every write) and the
// values it asks back.
type MeterWrite struct {
	Action                  string
	LeadingKeys, Attributes []string
	ReturnValues            string
}

// MeterWrites are the authorizer's metering writes: rate-limit counters
// (LeaseRate), quota balances on a key's record or a client's session
// (LeaseQuota), usage counts (AddUsage), all UpdateItem, and events
// (RecordMeterEvent), a PutItem.
var MeterWrites = []MeterWrite{
	{Action: "dynamodb:UpdateItem", LeadingKeys: []string{"P#*#RATE#*"}, Attributes: []string{AttrPK, AttrSK, attrUsed, AttrTTL}, ReturnValues: "UPDATED_NEW"},
	{Action: "dynamodb:UpdateItem", LeadingKeys: []string{"P#*#KEY#*", "P#*#CRED#*"}, Attributes: []string{AttrPK, AttrSK, attrQuotaRemaining, attrQuotaPeriod}, ReturnValues: "NONE"},
	{Action: "dynamodb:UpdateItem", LeadingKeys: []string{"P#*#USAGE#*"}, Attributes: []string{AttrPK, AttrSK, attrAuthorized, attrRefused, AttrTTL}, ReturnValues: "NONE"},
	{Action: "dynamodb:PutItem", LeadingKeys: []string{EventsLeadingKeys}, ReturnValues: "NONE",
		Attributes: []string{AttrPK, AttrSK, attrEventType, attrCredentialID, attrCredentialType, attrOwner, attrAt, AttrTTL}},
}
