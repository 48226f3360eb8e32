package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

const (
	skKey    = "KEY"
	skLookup = "CRED"
	kindKey  = "KEY#"
	skMarker = "BOOTSTRAP"
	typeKey  = "api_key"
)

// keyItem is stored twice: under the keyId (with the owner index
// attributes) and under the hash of the secret (for the authorizer).
type keyItem struct {
	PK            string   `dynamodbav:"PK"`
	SK            string   `dynamodbav:"SK"`
	GSI1PK        string   `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK        string   `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK        string   `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK        string   `dynamodbav:"GSI2SK,omitempty"`
	Type          string   `dynamodbav:"type"`
	ProjectID     string   `dynamodbav:"projectId"`
	KeyID         string   `dynamodbav:"keyId"`
	Hash          string   `dynamodbav:"hash"`
	Name          string   `dynamodbav:"name"`
	Scopes        []string `dynamodbav:"scopes"`
	InheritScopes bool     `dynamodbav:"inheritScopes"`
	Owner         string   `dynamodbav:"owner"`
	Status        string   `dynamodbav:"status"`
	Hint          string   `dynamodbav:"hint"`
	CreatedAt     string   `dynamodbav:"createdAt"`
	ExpiresAt     string   `dynamodbav:"expiresAt,omitempty"`
	LastUsedAt    string   `dynamodbav:"lastUsedAt,omitempty"`
	RotatedTo     string   `dynamodbav:"rotatedTo,omitempty"`
	Version       int64    `dynamodbav:"version,omitempty"`
	limitsItem
}

func keyPK(projectID, keyID string) string { return pk(projectID, "KEY", keyID) }

func hashPK(projectID string, h secret.Hash) string { return pk(projectID, "HASH", h.String()) }

func ownerGSIPK(projectID, owner string) string { return pk(projectID, "OWNER", owner) }

// keyItems returns the record item and the lookup item of k.
func keyItems(k apikey.Key) (record, lookup item, err error) {
	it := keyItem{
		Type: typeKey, ProjectID: k.ProjectID, KeyID: k.ID, Hash: k.Hash.String(), Name: k.Name,
		Scopes: nonNil(k.Scopes), InheritScopes: k.Scopes == nil, Owner: k.Owner, Status: string(k.Status),
		Hint: k.Hint, CreatedAt: formatTime(k.CreatedAt), ExpiresAt: formatOptTime(k.ExpiresAt),
		LastUsedAt: formatOptTime(k.LastUsedAt), RotatedTo: k.RotatedTo, Version: 1,
		limitsItem: toLimitsItem(k.Limits, false),
	}
	it.PK, it.SK = hashPK(k.ProjectID, k.Hash), skLookup
	if lookup, err = attributevalue.MarshalMap(it); err != nil {
		return nil, nil, fmt.Errorf("encoding key: %w", err)
	}
	it.PK, it.SK, it.limitsItem = keyPK(k.ProjectID, k.ID), skKey, toLimitsItem(k.Limits, true)
	it.GSI1PK, it.GSI1SK = ownerGSIPK(k.ProjectID, k.Owner), kindKey+formatTime(k.CreatedAt)+"#"+k.ID
	if k.Status != apikey.Expired {
		it.GSI2PK, it.GSI2SK = expiryIndex(k.ProjectID, k.ExpiresAt, credential.TypeAPIKey, k.ID)
	}
	if record, err = attributevalue.MarshalMap(it); err != nil {
		return nil, nil, fmt.Errorf("encoding key: %w", err)
	}
	return record, lookup, nil
}

func fromKeyItem(it keyItem) (apikey.Key, error) {
	if it.Hash == "" {
		return apikey.Key{}, fmt.Errorf("decoding key %s: no hash", it.KeyID)
	}
	k := apikey.Key{
		ProjectID: it.ProjectID, ID: it.KeyID, Name: it.Name, Owner: it.Owner,
		Status: apikey.Status(it.Status), Hint: it.Hint, RotatedTo: it.RotatedTo, Version: it.Version,
	}
	if !it.InheritScopes {
		k.Scopes = scope.Set(nonNil(it.Scopes))
	}
	var p parser
	k.Hash = p.hash(it.Hash)
	k.CreatedAt, k.ExpiresAt, k.LastUsedAt = p.time(it.CreatedAt), p.optTime(it.ExpiresAt), p.optTime(it.LastUsedAt)
	k.Limits = p.limits(it.limitsItem)
	if p.err != nil {
		return apikey.Key{}, fmt.Errorf("decoding key %s: %w", it.KeyID, p.err)
	}
	return k, nil
}

func (s *Store) keyPuts(k apikey.Key) ([]types.TransactWriteItem, error) {
	record, lookup, err := keyItems(k)
	if err != nil {
		return nil, err
	}
	return []types.TransactWriteItem{s.putNew(record), s.putNew(lookup)}, nil
}

// CreateKey stores a new key; ErrConflict if its id or hash exists.
func (s *Store) CreateKey(ctx context.Context, k apikey.Key) error {
	puts, err := s.keyPuts(k)
	if err != nil {
		return err
	}
	return s.transact(ctx, puts, func(int) error { return fmt.Errorf("key %s: %w", k.ID, store.ErrConflict) })
}

// GetKey reads a key by its id.
func (s *Store) GetKey(ctx context.Context, projectID, keyID string) (apikey.Key, error) {
	return getAs(ctx, s, key(keyPK(projectID, keyID), skKey), "key "+keyID, fromKeyItem)
}

// GetKeyByHash reads a key by the SHA-256 of its secret: one GetItem.
func (s *Store) GetKeyByHash(ctx context.Context, projectID string, h secret.Hash) (apikey.Key, error) {
	return getAs(ctx, s, key(hashPK(projectID, h), skLookup), "key by hash", fromKeyItem)
}

// ListKeys lists an owner's keys, newest first.
func (s *Store) ListKeys(ctx context.Context, projectID, owner string, page store.Page) ([]apikey.Key, string, error) {
	return listOwned(ctx, s, ownerGSIPK(projectID, owner), kindKey, page,
		func(id string) item { return key(keyPK(projectID, id), skKey) }, fromKeyItem)
}

// keyUpdates writes k's name, status and limits to both of its items (the
// quota's balance to the record only, and only when k.Limits.Quota.Reset),
// on condition that the record is still at k.Version; with rotate, it
// writes k's expiry and successor instead (moving the record's place in
// the expiry index), on condition too that k has not been rotated already.
func (s *Store) keyUpdates(k apikey.Key, rotate bool) []types.TransactWriteItem {
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	// update changes one item; each has its own placeholders, as DynamoDB
	// refuses unused ones.
	update := func(pkValue, sk string, record bool) types.TransactWriteItem {
		u := newUpdateExpr()
		if rotate {
			u.setTo("expiresAt", str(formatOptTime(k.ExpiresAt)))
			u.setTo("rotatedTo", str(k.RotatedTo))
			if q := k.Limits.Quota; q != nil && record {
				// The balance moved to the successor, as it was read.
				u.setTo(attrQuotaRemaining, number(0))
				u.values[":readRemaining"] = number(q.Remaining)
			}
		} else {
			u.setTo("name", str(k.Name))
			u.setTo("status", str(string(k.Status)))
			u.setLimits(k.Limits, record)
		}
		cond, ver := asRead(k.Version, u.names, u.values)
		if !record {
			cond = condExist
			delete(u.values, ":ver")
		} else if rotate {
			cond += " AND attribute_not_exists(#rotatedTo)"
			if k.Limits.Quota != nil {
				cond += " AND #" + attrQuotaRemaining + " = :readRemaining"
			}
			gsiPK, gsiSK := expiryIndex(k.ProjectID, k.ExpiresAt, credential.TypeAPIKey, k.ID)
			u.setTo(AttrGSI2PK, str(gsiPK))
			u.setTo(AttrGSI2SK, str(gsiSK))
		}
		return types.TransactWriteItem{Update: &types.Update{
			TableName: s.table, Key: key(pkValue, sk), UpdateExpression: aws.String(u.expression(ver)),
			ConditionExpression: aws.String(cond), ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
		}}
	}
	return []types.TransactWriteItem{update(keyPK(k.ProjectID, k.ID), skKey, true), update(hashPK(k.ProjectID, k.Hash), skLookup, false)}
}

// UpdateKey writes k's name, status and limits, on condition that it is
// still at k.Version; the quota's balance only when k.Limits.Quota.Reset
// (otherwise the stored balance, which authorizers spend, is kept).
// ErrConflict if it changed since, ErrNotFound if it was deleted.
func (s *Store) UpdateKey(ctx context.Context, k apikey.Key) error {
	return s.transact(ctx, s.keyUpdates(k, false), func(int) error {
		return s.changedOrGone(ctx, key(keyPK(k.ProjectID, k.ID), skKey), "key "+k.ID)
	})
}

// RotateKey ends old (its new ExpiresAt and RotatedTo already set) and
// stores its successor, in one transaction, on condition that old is still
// at old.Version, not rotated, and its quota's balance still as read (it
// moves to the successor: old is left with none); ErrConflict if it changed
// or was rotated or spent concurrently, ErrNotFound if it was deleted.
func (s *Store) RotateKey(ctx context.Context, old, successor apikey.Key) error {
	puts, err := s.keyPuts(successor)
	if err != nil {
		return err
	}
	items := append(s.keyUpdates(old, true), puts...)
	return s.transact(ctx, items, func(int) error {
		return s.changedOrGone(ctx, key(keyPK(old.ProjectID, old.ID), skKey), "key "+old.ID)
	})
}

// DeleteKey removes both items of k, on condition that it is still at
// k.Version; ErrConflict if it changed, ErrNotFound if already gone.
func (s *Store) DeleteKey(ctx context.Context, k apikey.Key) error {
	record := key(keyPK(k.ProjectID, k.ID), skKey)
	return s.transact(ctx, []types.TransactWriteItem{
		{Delete: s.deleteAsRead(record, k.Version)},
		{Delete: &types.Delete{TableName: s.table, Key: key(hashPK(k.ProjectID, k.Hash), skLookup)}},
	}, func(int) error { return s.changedOrGone(ctx, record, "key "+k.ID) })
}

// TouchKey records a use of the key at `at`, unless one was recorded less
// than minInterval before; writing nothing is not an error.
func (s *Store) TouchKey(ctx context.Context, projectID, keyID string, at time.Time, minInterval time.Duration) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      key(keyPK(projectID, keyID), skKey),
		UpdateExpression:         aws.String("SET #lu = :now"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND (attribute_not_exists(#lu) OR #lu <= :cutoff)"),
		ExpressionAttributeNames: map[string]string{"#lu": "lastUsedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now":    &types.AttributeValueMemberS{Value: formatTime(at)},
			":cutoff": &types.AttributeValueMemberS{Value: formatTime(at.Add(-minInterval))},
		},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamodb touch key: %w", err)
	}
	return nil
}

// Bootstrap creates the first admin user and its key exactly once per
// project; ErrConflict if the project was bootstrapped already.
func (s *Store) Bootstrap(ctx context.Context, u user.User, k apikey.Key) error {
	users, err := s.userPuts(u)
	if err != nil {
		return err
	}
	keys, err := s.keyPuts(k)
	if err != nil {
		return err
	}
	marker, err := s.encodeNew(map[string]string{
		AttrPK: pk(u.ProjectID, skMarker), AttrSK: skMarker, "projectId": u.ProjectID, "userId": u.ID,
	}, "bootstrap marker")
	if err != nil {
		return err
	}
	items := append(append(users, keys...), marker...)
	return s.transact(ctx, items, func(int) error { return fmt.Errorf("bootstrap: %w", store.ErrConflict) })
}
