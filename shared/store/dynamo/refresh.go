package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

// skRefresh is the sort key of a refresh token's record (under its hash).
const skRefresh = "REFRESH"

// CreateFamily stores a refresh-token family and its first token.
func (s *Store) CreateFamily(ctx context.Context, f refresh.Family, first refresh.Token) error {
	it := toSessionItem(f.Session)
	it.AccessTokenTTL, it.DPoPKey = int64(f.AccessTokenTTL/time.Second), f.DPoPKey
	puts, err := s.encodeNew(it, "session")
	if err != nil {
		return err
	}
	tok, err := s.refreshPut(first)
	if err != nil {
		return err
	}
	return s.transact(ctx, append(puts, tok...), func(int) error { return fmt.Errorf("family %s: %w", f.ID, store.ErrConflict) })
}

// GetFamily reads a refresh-token family.
func (s *Store) GetFamily(ctx context.Context, projectID, familyID string) (refresh.Family, error) {
	return getSessionOf(ctx, s, projectID, familyID, credential.KindRefresh, "family", fromFamilyItem)
}

// RevokeFamily revokes an active family; ErrNotFound if there is none.
func (s *Store) RevokeFamily(ctx context.Context, projectID, familyID string, at time.Time) error {
	return s.RevokeSession(ctx, projectID, familyID, at)
}

// ListFamilies lists an owner's refresh-token families, newest first.
func (s *Store) ListFamilies(ctx context.Context, projectID, owner string, page store.Page) ([]refresh.Family, string, error) {
	return listSessions(ctx, s, projectID, owner, credential.KindRefresh, page, fromFamilyItem)
}

func fromFamilyItem(it sessionItem) (refresh.Family, error) {
	sess, err := fromSessionItem(it)
	return refresh.Family{Session: sess, AccessTokenTTL: time.Duration(it.AccessTokenTTL) * time.Second, DPoPKey: it.DPoPKey}, err
}

// familyWrite is the rotation's write of the family: a check that it is
// active and unbound when dpopKey is empty, else an update binding it to
// dpopKey on condition that it is active and unbound or bound to dpopKey
// already (the binding never changes, so the version stays).
func familyWrite(table *string, spent refresh.Token, dpopKey string) types.TransactWriteItem {
	k := key(sessionPK(spent.ProjectID, spent.FamilyID), skSession)
	names := map[string]string{"#st": "status", "#jkt": "dpopJkt"}
	values := map[string]types.AttributeValue{":active": &types.AttributeValueMemberS{Value: string(credential.Active)}}
	if dpopKey == "" {
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: table, Key: k, ConditionExpression: aws.String("#st = :active AND attribute_not_exists(#jkt)"),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		}}
	}
	values[":jkt"] = &types.AttributeValueMemberS{Value: dpopKey}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: table, Key: k, UpdateExpression: aws.String("SET #jkt = :jkt"),
		ConditionExpression:      aws.String("#st = :active AND (attribute_not_exists(#jkt) OR #jkt = :jkt)"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}
}

type refreshItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	ProjectID  string `dynamodbav:"projectId"`
	FamilyID   string `dynamodbav:"familyId"`
	Generation int    `dynamodbav:"generation"`
	ExpiresAt  string `dynamodbav:"expiresAt"`
	Spent      bool   `dynamodbav:"spent"`
	SpentAt    string `dynamodbav:"spentAt,omitempty"`
	Successor  []byte `dynamodbav:"successor,omitempty"`
	TTL        int64  `dynamodbav:"ttl"`
}

func (s *Store) refreshPut(t refresh.Token) ([]types.TransactWriteItem, error) {
	return s.encodeNew(refreshItem{
		PK: hashPK(t.ProjectID, t.Hash), SK: skRefresh, Type: "refresh_token", ProjectID: t.ProjectID,
		FamilyID: t.FamilyID, Generation: t.Generation, ExpiresAt: formatTime(t.ExpiresAt),
		TTL: t.ExpiresAt.Add(retention).Unix(),
	}, "refresh token")
}

// GetRefreshToken reads a refresh token's record by its hash.
func (s *Store) GetRefreshToken(ctx context.Context, projectID string, h secret.Hash) (refresh.Token, error) {
	return getAs(ctx, s, key(hashPK(projectID, h), skRefresh), "refresh token", func(it refreshItem) (refresh.Token, error) {
		var p parser
		t := refresh.Token{ProjectID: it.ProjectID, Hash: h, FamilyID: it.FamilyID, Generation: it.Generation,
			ExpiresAt: p.time(it.ExpiresAt), Spent: it.Spent, SpentAt: p.timeOrZero(it.SpentAt), Successor: it.Successor}
		if p.err != nil {
			return refresh.Token{}, fmt.Errorf("decoding refresh token: %w", p.err)
		}
		return t, nil
	})
}

// RotateRefreshToken spends a token and stores its successor in one
// transaction, on condition that the token was not spent and the family is
// active and, with dpopKey empty, unbound, else unbound or bound to
// dpopKey, which the family is then bound to; ErrConflict otherwise.
func (s *Store) RotateRefreshToken(ctx context.Context, spent, successor refresh.Token, dpopKey string) error {
	next, err := s.refreshPut(successor)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: s.table, Key: key(hashPK(spent.ProjectID, spent.Hash), skRefresh),
			UpdateExpression:         aws.String("SET #spent = :true, #at = :at, #succ = :succ"),
			ConditionExpression:      aws.String("attribute_exists(PK) AND #spent = :false"),
			ExpressionAttributeNames: map[string]string{"#spent": "spent", "#at": "spentAt", "#succ": "successor"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":true": &types.AttributeValueMemberBOOL{Value: true}, ":false": &types.AttributeValueMemberBOOL{Value: false},
				":at": &types.AttributeValueMemberS{Value: formatTime(spent.SpentAt)}, ":succ": &types.AttributeValueMemberB{Value: spent.Successor},
			},
		}},
		next[0],
		familyWrite(s.table, spent, dpopKey),
	}
	return s.transact(ctx, items, func(int) error { return fmt.Errorf("refresh token rotation: %w", store.ErrConflict) })
}
