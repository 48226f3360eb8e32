package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/store"
)

// CreateClient stores a new OAuth client.
func (s *Store) CreateClient(ctx context.Context, c credential.Client) error {
	puts, err := s.encodeNew(toClientItem(c), "client")
	if err != nil {
		return err
	}
	return s.transact(ctx, puts, func(int) error { return fmt.Errorf("client %s: %w", c.ID, store.ErrConflict) })
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
	return getSessionOf(ctx, s, projectID, clientID, credential.KindClient, "client", fromClientItem)
}

func fromClientItem(it sessionItem) (credential.Client, error) {
	sess, err := fromSessionItem(it)
	if err != nil {
		return credential.Client{}, err
	}
	var p parser
	c := credential.Client{Session: sess, SecretHash: p.hash(it.SecretHash), SecretHint: it.SecretHint,
		PreviousHash: p.hash(it.PreviousHash), PreviousUntil: p.timeOrZero(it.PreviousUntil)}
	if p.err != nil {
		return credential.Client{}, fmt.Errorf("decoding client %s: %w", it.ID, p.err)
	}
	return c, nil
}

// ListClients lists an owner's clients, newest first.
func (s *Store) ListClients(ctx context.Context, projectID, owner string, page store.Page) ([]credential.Client, string, error) {
	return listSessions(ctx, s, projectID, owner, credential.KindClient, page, fromClientItem)
}

// UpdateClientSecret writes a rotated secret, on condition that the client
// is still at c.Version (so two rotations cannot both win) and active;
// ErrConflict if it changed or was revoked, ErrNotFound if it is gone.
func (s *Store) UpdateClientSecret(ctx context.Context, c credential.Client) error {
	names := map[string]string{
		"#h": "secretHash", "#hint": "secretHint", "#ph": "previousHash", "#pu": "previousUntil", "#st": "status",
	}
	values := map[string]types.AttributeValue{
		":h":      &types.AttributeValueMemberS{Value: c.SecretHash.String()},
		":hint":   &types.AttributeValueMemberS{Value: c.SecretHint},
		":ph":     &types.AttributeValueMemberS{Value: c.PreviousHash.String()},
		":pu":     &types.AttributeValueMemberS{Value: formatTime(c.PreviousUntil)},
		":active": &types.AttributeValueMemberS{Value: string(credential.Active)},
	}
	cond, ver := asRead(c.Version, names, values)
	k := key(sessionPK(c.ProjectID, c.ID), skSession)
	err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: k,
		UpdateExpression:         aws.String("SET #h = :h, #hint = :hint, #ph = :ph, #pu = :pu, " + ver),
		ConditionExpression:      aws.String(cond + " AND #st = :active"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return s.changedOrGone(ctx, k, "client "+c.ID)
	}
	if err != nil {
		return fmt.Errorf("dynamodb rotate client secret: %w", err)
	}
	return nil
}
