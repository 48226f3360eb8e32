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
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	ProjectID  string `dynamodbav:"projectId"`
	Identifier string `dynamodbav:"identifier"`
	Owner      string `dynamodbav:"owner"`
	Enabled    bool   `dynamodbav:"enabled"`
	Keys       []byte `dynamodbav:"keys"`
	CreatedAt  string `dynamodbav:"createdAt"`
}

func sasPK(projectID, identifier string) string { return pk(projectID, "SAS", identifier) }

func fromSASItem(av map[string]types.AttributeValue) (sas.Sealed, error) {
	var it sasItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return sas.Sealed{}, fmt.Errorf("decoding SAS credential: %w", err)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return sas.Sealed{}, fmt.Errorf("decoding SAS credential: %w", err)
	}
	return sas.Sealed{ProjectID: it.ProjectID, Identifier: it.Identifier, Owner: it.Owner, Enabled: it.Enabled,
		Keys: it.Keys, CreatedAt: created}, nil
}

// CreateSAS stores a user's SAS credential; ErrConflict if the user has one
// already (or the identifier is taken).
func (s *Store) CreateSAS(ctx context.Context, c sas.Sealed) error {
	it := sasItem{Type: "sas", ProjectID: c.ProjectID, Identifier: c.Identifier, Owner: c.Owner, Enabled: c.Enabled,
		Keys: c.Keys, CreatedAt: formatTime(c.CreatedAt)}
	var puts []types.TransactWriteItem
	for _, k := range [][2]string{{sasPK(c.ProjectID, c.Identifier), skSAS}, {userPK(c.ProjectID, c.Owner), skSAS}} {
		it.PK, it.SK = k[0], k[1]
		av, err := attributevalue.MarshalMap(it)
		if err != nil {
			return fmt.Errorf("encoding SAS credential: %w", err)
		}
		puts = append(puts, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)")}})
	}
	return s.transact(ctx, puts, func(int) error { return fmt.Errorf("SAS credential: %w", store.ErrConflict) })
}

// GetSAS reads a SAS credential by identifier: the authorizer's one read.
func (s *Store) GetSAS(ctx context.Context, projectID, identifier string) (sas.Sealed, error) {
	av, err := s.get(ctx, key(sasPK(projectID, identifier), skSAS))
	if err != nil {
		return sas.Sealed{}, fmt.Errorf("SAS credential: %w", err)
	}
	return fromSASItem(av)
}

// GetSASByOwner reads a user's SAS credential.
func (s *Store) GetSASByOwner(ctx context.Context, projectID, owner string) (sas.Sealed, error) {
	av, err := s.get(ctx, key(userPK(projectID, owner), skSAS))
	if err != nil {
		return sas.Sealed{}, fmt.Errorf("SAS credential: %w", err)
	}
	return fromSASItem(av)
}

// UpdateSAS writes a credential's keys and enabled flag to both of its
// items; ErrNotFound if it does not exist.
func (s *Store) UpdateSAS(ctx context.Context, c sas.Sealed) error {
	var items []types.TransactWriteItem
	for _, k := range [][2]string{{sasPK(c.ProjectID, c.Identifier), skSAS}, {userPK(c.ProjectID, c.Owner), skSAS}} {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: s.table, Key: key(k[0], k[1]),
			UpdateExpression:         aws.String("SET #k = :k, #e = :e"),
			ConditionExpression:      aws.String("attribute_exists(PK) AND #id = :id"),
			ExpressionAttributeNames: map[string]string{"#k": "keys", "#e": "enabled", "#id": "identifier"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":k": &types.AttributeValueMemberB{Value: c.Keys}, ":e": &types.AttributeValueMemberBOOL{Value: c.Enabled},
				":id": &types.AttributeValueMemberS{Value: c.Identifier},
			},
		}})
	}
	return s.transact(ctx, items, func(int) error { return fmt.Errorf("SAS credential: %w", store.ErrNotFound) })
}

// RecordAssertion remembers a client assertion's jti until it expires;
// ErrConflict if it was seen before (a replay).
func (s *Store) RecordAssertion(ctx context.Context, projectID, issuer, jti string, expires time.Time) error {
	av, err := attributevalue.MarshalMap(map[string]any{
		AttrPK: pk(projectID, "JTI", issuer, jti), AttrSK: "JTI", "projectId": projectID,
		"expiresAt": formatTime(expires), AttrTTL: expires.Add(time.Hour).Unix(),
	})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table, Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return fmt.Errorf("assertion %s: %w", jti, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("dynamodb record assertion: %w", err)
	}
	return nil
}
