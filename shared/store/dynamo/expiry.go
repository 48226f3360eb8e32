package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/store"
)

// expiryKinds spells each indexed credential type in the expiry index's
// sort keys, as stored: a spelling never changes.
var expiryKinds = map[credential.Type]string{
	credential.TypeAPIKey: "key", credential.TypeJWT: "jwt", credential.TypeRefreshToken: "rtf",
}

// expiryIndex returns a credential's expiry index attributes: its day
// partition and a sort key ordered by expiry; nothing when it never expires.
func expiryIndex(projectID string, expires *time.Time, t credential.Type, id string) (string, string) {
	if expires == nil {
		return "", ""
	}
	return expiryPK(projectID, *expires), formatTime(*expires) + "#" + expiryKinds[t] + "#" + id
}

func expiryPK(projectID string, t time.Time) string {
	return pk(projectID, "EXPIRY", t.UTC().Format(time.DateOnly))
}

// expiryEntry is what the sweep needs of any indexed item.
type expiryEntry struct {
	GSI2SK    string `dynamodbav:"GSI2SK"`
	Owner     string `dynamodbav:"owner"`
	ExpiresAt string `dynamodbav:"expiresAt"`
	Notified  bool   `dynamodbav:"expiringNotified"`
}

// tableKeyOf returns the type, id and table key of the item an expiry sort
// key names.
func tableKeyOf(projectID, gsiSK string) (t credential.Type, id string, k item, ok bool) {
	parts := strings.Split(gsiSK, "#")
	if len(parts) != 3 {
		return "", "", nil, false
	}
	for typ, kind := range expiryKinds {
		if kind == parts[1] {
			t = typ
		}
	}
	id = parts[2]
	switch t {
	case credential.TypeAPIKey:
		return t, id, key(keyPK(projectID, id), skKey), true
	case credential.TypeJWT, credential.TypeRefreshToken:
		return t, id, key(sessionPK(projectID, id), skSession), true
	}
	return "", "", nil, false
}

// ExpiryPage lists the expiry index entries of one day expiring before
// before, soonest first.
func (s *Store) ExpiryPage(ctx context.Context, projectID string, day, before time.Time, page store.Page) ([]store.ExpiryEntry, string, error) {
	q := indexQuery{index: byExpiry, partition: expiryPK(projectID, day), cond: "#sk < :sk", value: formatTime(before), ascending: true}
	avs, next, err := s.indexPage(ctx, q, page, func(sk string) (item, bool) {
		_, _, k, ok := tableKeyOf(projectID, sk)
		return k, ok
	})
	if err != nil {
		return nil, "", err
	}
	entries, err := decodeEach(avs, func(it expiryEntry) (store.ExpiryEntry, error) {
		t, id, _, ok := tableKeyOf(projectID, it.GSI2SK)
		exp, err := parseTime(it.ExpiresAt)
		if !ok || err != nil {
			return store.ExpiryEntry{}, fmt.Errorf("decoding expiry entry %q", it.GSI2SK)
		}
		return store.ExpiryEntry{Type: t, ID: id, Owner: it.Owner, ExpiresAt: exp, Notified: it.Notified}, nil
	})
	if err != nil {
		return nil, "", err
	}
	return entries, next, nil
}

// MarkExpired marks a credential expired, drops it from the expiry index
// and sets its TTL; a revoked session stays revoked.
func (s *Store) MarkExpired(ctx context.Context, projectID string, e store.ExpiryEntry, deleteAfter time.Time) error {
	ttl := &types.AttributeValueMemberN{Value: fmt.Sprint(deleteAfter.Unix())}
	switch e.Type {
	case credential.TypeAPIKey:
		k, err := s.GetKey(ctx, projectID, e.ID)
		if err != nil {
			return err
		}
		update := func(pkValue, sk, remove string) types.TransactWriteItem {
			return types.TransactWriteItem{Update: &types.Update{
				TableName: s.table, Key: key(pkValue, sk),
				UpdateExpression:         aws.String("SET #st = :expired, #ttl = :ttl" + remove + bumpVersion),
				ConditionExpression:      aws.String(condExist),
				ExpressionAttributeNames: expiredNames(remove != ""),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":expired": &types.AttributeValueMemberS{Value: string(apikey.Expired)}, ":ttl": ttl, ":one": number(1),
				},
			}}
		}
		return s.transact(ctx, []types.TransactWriteItem{
			update(keyPK(projectID, k.ID), skKey, " REMOVE #gpk, #gsk"),
			update(hashPK(projectID, k.Hash), skLookup, ""),
		}, func(int) error { return fmt.Errorf("key %s: %w", e.ID, store.ErrNotFound) })
	case credential.TypeJWT, credential.TypeRefreshToken:
		k := key(sessionPK(projectID, e.ID), skSession)
		err := s.update(ctx, &dynamodb.UpdateItemInput{
			TableName: s.table, Key: k,
			UpdateExpression:         aws.String("SET #st = :expired, #ttl = :ttl REMOVE #gpk, #gsk" + bumpVersion),
			ConditionExpression:      aws.String("attribute_exists(PK) AND #st = :active"),
			ExpressionAttributeNames: expiredNames(true),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":expired": &types.AttributeValueMemberS{Value: string(credential.Expired)}, ":ttl": ttl,
				":active": &types.AttributeValueMemberS{Value: string(credential.Active)}, ":one": number(1),
			},
		})
		if !isConditionFailed(err) {
			return wrapUpdate(err)
		}
		// Revoked already: keep that status, leave the index, set the TTL.
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: s.table, Key: k,
			UpdateExpression:          aws.String("SET #ttl = :ttl REMOVE #gpk, #gsk"),
			ConditionExpression:       aws.String(condExist),
			ExpressionAttributeNames:  map[string]string{"#ttl": AttrTTL, "#gpk": AttrGSI2PK, "#gsk": AttrGSI2SK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":ttl": ttl},
		})
		if isConditionFailed(err) {
			return fmt.Errorf("credential %s: %w", e.ID, store.ErrNotFound)
		}
		return wrapUpdate(err)
	}
	return fmt.Errorf("sweep: unknown type %q", e.Type)
}

func expiredNames(index bool) map[string]string {
	n := map[string]string{"#st": "status", "#ttl": AttrTTL, "#ver": attrVersion}
	if index {
		n["#gpk"], n["#gsk"] = AttrGSI2PK, AttrGSI2SK
	}
	return n
}

func wrapUpdate(err error) error {
	if err != nil {
		return fmt.Errorf("dynamodb update: %w", err)
	}
	return nil
}

// MarkNotified records that credential.expiring was sent, once.
func (s *Store) MarkNotified(ctx context.Context, projectID string, e store.ExpiryEntry) (bool, error) {
	k := key(sessionPK(projectID, e.ID), skSession)
	if e.Type == credential.TypeAPIKey {
		k = key(keyPK(projectID, e.ID), skKey)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: k,
		UpdateExpression:          aws.String("SET #n = :true"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(#n)"),
		ExpressionAttributeNames:  map[string]string{"#n": "expiringNotified"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, wrapUpdate(err)
}

// SweepCursor is the first day the next sweep looks at; zero before the first.
func (s *Store) SweepCursor(ctx context.Context, projectID string) (time.Time, error) {
	return s.readCursor(ctx, projectID, sweepCursor)
}

// SetSweepCursor stores the first day the next sweep looks at.
func (s *Store) SetSweepCursor(ctx context.Context, projectID string, day time.Time) error {
	return s.writeCursor(ctx, projectID, sweepCursor, day)
}

// cursor is one of the sweeper's cursors: an item under P#<project>#SWEEP
// holding a time in one attribute, spelled by layout.
type cursor struct{ sk, attr, layout string }

var (
	sweepCursor   = cursor{"CURSOR", "day", time.DateOnly}
	forwardCursor = cursor{"FORWARD", "minute", timeFormat}
)

// readCursor reads c of projectID: zero before it is first stored.
func (s *Store) readCursor(ctx context.Context, projectID string, c cursor) (time.Time, error) {
	av, err := s.get(ctx, key(pk(projectID, "SWEEP"), c.sk))
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(c.layout, stringAttr(av, c.attr))
}

// writeCursor stores t as c of projectID.
func (s *Store) writeCursor(ctx context.Context, projectID string, c cursor, t time.Time) error {
	k := key(pk(projectID, "SWEEP"), c.sk)
	k["projectId"] = &types.AttributeValueMemberS{Value: projectID}
	k[c.attr] = &types.AttributeValueMemberS{Value: t.UTC().Format(c.layout)}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: k})
	return wrapUpdate(err)
}
