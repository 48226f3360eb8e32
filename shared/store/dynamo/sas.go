package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/store"
)

const skSAS = "SAS"

// sasItem is stored under the identifier (the authorizer's lookup) and
// under the owner (GET /v1/sas), written together.
type sasItem struct {
	Type       string `dynamodbav:"type"`
	ProjectID  string `dynamodbav:"projectId"`
	Identifier string `dynamodbav:"identifier"`
	Owner      string `dynamodbav:"owner"`
	Enabled    bool   `dynamodbav:"enabled"`
	Keys       []byte `dynamodbav:"keys"`
	CreatedAt  string `dynamodbav:"createdAt"`
	Version    int64  `dynamodbav:"version,omitempty"`
}

func sasPK(projectID, identifier string) string { return pk(projectID, "SAS", identifier) }

// sasKeys are the table keys of a SAS credential: under its identifier and
// under its owner.
func sasKeys(projectID, identifier, owner string) []item {
	return []item{key(sasPK(projectID, identifier), skSAS), key(userPK(projectID, owner), skSAS)}
}

func fromSASItem(it sasItem) (sas.Sealed, error) {
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return sas.Sealed{}, fmt.Errorf("decoding SAS credential: %w", err)
	}
	return sas.Sealed{ProjectID: it.ProjectID, Identifier: it.Identifier, Owner: it.Owner, Enabled: it.Enabled,
		Keys: it.Keys, CreatedAt: created, Version: it.Version}, nil
}

// CreateSAS stores a user's SAS credential; ErrConflict if the user has one
// already (or the identifier is taken).
func (s *Store) CreateSAS(ctx context.Context, c sas.Sealed) error {
	puts, err := s.encodeNew(sasItem{Type: "sas", ProjectID: c.ProjectID, Identifier: c.Identifier, Owner: c.Owner,
		Enabled: c.Enabled, Keys: c.Keys, CreatedAt: formatTime(c.CreatedAt), Version: 1,
	}, "SAS credential", sasKeys(c.ProjectID, c.Identifier, c.Owner)...)
	if err != nil {
		return err
	}
	return s.transact(ctx, puts, func(int) error { return fmt.Errorf("SAS credential: %w", store.ErrConflict) })
}

// GetSAS reads a SAS credential by identifier: the authorizer's one read.
func (s *Store) GetSAS(ctx context.Context, projectID, identifier string) (sas.Sealed, error) {
	return getAs(ctx, s, key(sasPK(projectID, identifier), skSAS), "SAS credential", fromSASItem)
}

// GetSASByOwner reads a user's SAS credential.
func (s *Store) GetSASByOwner(ctx context.Context, projectID, owner string) (sas.Sealed, error) {
	return getAs(ctx, s, key(userPK(projectID, owner), skSAS), "SAS credential", fromSASItem)
}

// UpdateSAS writes a credential's keys and enabled flag to both of its
// items, on condition that it is still at c.Version; ErrConflict if it
// changed since it was read, ErrNotFound if it does not exist.
func (s *Store) UpdateSAS(ctx context.Context, c sas.Sealed) error {
	keys := sasKeys(c.ProjectID, c.Identifier, c.Owner)
	items := make([]types.TransactWriteItem, len(keys))
	for i, k := range keys {
		names := map[string]string{"#k": "keys", "#e": "enabled", "#id": "identifier"}
		values := map[string]types.AttributeValue{
			":k": &types.AttributeValueMemberB{Value: c.Keys}, ":e": &types.AttributeValueMemberBOOL{Value: c.Enabled},
			":id": &types.AttributeValueMemberS{Value: c.Identifier},
		}
		cond, ver := asRead(c.Version, names, values)
		items[i] = types.TransactWriteItem{Update: &types.Update{
			TableName: s.table, Key: k,
			UpdateExpression:         aws.String("SET #k = :k, #e = :e, " + ver),
			ConditionExpression:      aws.String(cond + " AND #id = :id"),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		}}
	}
	return s.transact(ctx, items, func(int) error { return s.changedOrGone(ctx, keys[0], "SAS credential") })
}

// RecordAssertion remembers a client assertion's jti until it expires;
// ErrConflict if it was seen before (a replay).
func (s *Store) RecordAssertion(ctx context.Context, projectID, issuer, jti string, expires time.Time) error {
	put, err := s.jtiPut(projectID, issuer, jti, expires)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression,
	})
	if isConditionFailed(err) {
		return fmt.Errorf("assertion %s: %w", jti, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("dynamodb record assertion: %w", err)
	}
	return nil
}

// ProofWrite is the authorizer's write of a DPoP proof's jti
// (RecordAssertion with the issuer dpop:<jkt>, shared/dpop): a PutItem of
// the jti records of proof keys only, as IAM conditions name it.
var ProofWrite = MeterWrite{Action: "dynamodb:PutItem", LeadingKeys: []string{"P#*#JTI#dpop:*"},
	Attributes: []string{AttrPK, AttrSK, "projectId", "expiresAt", AttrTTL}, ReturnValues: "NONE"}

// jtiPut is the conditional write that records a one-time jti of issuer
// until it expires: it fails if the jti was recorded before.
func (s *Store) jtiPut(projectID, issuer, jti string, expires time.Time) (*types.Put, error) {
	av, err := attributevalue.MarshalMap(map[string]any{
		AttrPK: pk(projectID, "JTI", issuer, jti), AttrSK: "JTI", "projectId": projectID,
		"expiresAt": formatTime(expires), AttrTTL: expires.Add(time.Hour).Unix(),
	})
	if err != nil {
		return nil, err
	}
	return &types.Put{TableName: s.table, Item: av, ConditionExpression: aws.String(condNew)}, nil
}
