package dynamo

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

func parseHash(s string) (secret.Hash, error) {
	var h secret.Hash
	if s == "" {
		return h, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("bad stored hash")
	}
	copy(h[:], b)
	return h, nil
}

func hashString(h secret.Hash) string {
	if h == (secret.Hash{}) {
		return ""
	}
	return h.String()
}

// CreateClient stores a new OAuth client.
func (s *Store) CreateClient(ctx context.Context, c credential.Client) error {
	put, err := s.putSession(toClientItem(c))
	if err != nil {
		return err
	}
	return s.transact(ctx, []types.TransactWriteItem{put}, func(int) error { return fmt.Errorf("client %s: %w", c.ID, store.ErrConflict) })
}

func toClientItem(c credential.Client) sessionItem {
	it := toSessionItem(c.Session)
	it.SecretHash, it.SecretHint = hashString(c.SecretHash), c.SecretHint
	it.PreviousHash = hashString(c.PreviousHash)
	if !c.PreviousUntil.IsZero() {
		it.PreviousUntil = formatTime(c.PreviousUntil)
	}
	return it
}

// GetClient reads an OAuth client.
func (s *Store) GetClient(ctx context.Context, projectID, clientID string) (credential.Client, error) {
	it, err := s.getSessionItem(ctx, projectID, clientID)
	if err != nil {
		return credential.Client{}, err
	}
	if it.Type != string(credential.KindClient) {
		return credential.Client{}, fmt.Errorf("client %s: %w", clientID, store.ErrNotFound)
	}
	return fromClientItem(it)
}

func fromClientItem(it sessionItem) (credential.Client, error) {
	sess, err := fromSessionItem(it)
	if err != nil {
		return credential.Client{}, err
	}
	c := credential.Client{Session: sess, SecretHint: it.SecretHint}
	var errs [3]error
	c.SecretHash, errs[0] = parseHash(it.SecretHash)
	c.PreviousHash, errs[1] = parseHash(it.PreviousHash)
	if it.PreviousUntil != "" {
		c.PreviousUntil, errs[2] = parseTime(it.PreviousUntil)
	}
	for _, err := range errs {
		if err != nil {
			return credential.Client{}, fmt.Errorf("decoding client %s: %w", it.ID, err)
		}
	}
	return c, nil
}

// ListClients lists an owner's clients, newest first.
func (s *Store) ListClients(ctx context.Context, projectID, owner string, page store.Page) ([]credential.Client, string, error) {
	return listSessions(ctx, s, projectID, owner, credential.KindClient, page, fromClientItem)
}

// UpdateClientSecret writes a rotated secret, on condition that the secret
// it replaces is still current (so two rotations cannot both win) and the
// client is active; ErrConflict otherwise.
func (s *Store) UpdateClientSecret(ctx context.Context, c credential.Client) error {
	err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: key(sessionPK(c.ProjectID, c.ID), skSession),
		UpdateExpression:    aws.String("SET #h = :h, #hint = :hint, #ph = :ph, #pu = :pu"),
		ConditionExpression: aws.String("attribute_exists(PK) AND #h = :ph AND #st = :active"),
		ExpressionAttributeNames: map[string]string{
			"#h": "secretHash", "#hint": "secretHint", "#ph": "previousHash", "#pu": "previousUntil", "#st": "status",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":h":      &types.AttributeValueMemberS{Value: c.SecretHash.String()},
			":hint":   &types.AttributeValueMemberS{Value: c.SecretHint},
			":ph":     &types.AttributeValueMemberS{Value: c.PreviousHash.String()},
			":pu":     &types.AttributeValueMemberS{Value: formatTime(c.PreviousUntil)},
			":active": &types.AttributeValueMemberS{Value: string(credential.Active)},
		},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("client %s: %w", c.ID, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("dynamodb rotate client secret: %w", err)
	}
	return nil
}
