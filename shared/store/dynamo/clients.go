package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/store"
)

// CreateClient stores a new OAuth client, and the lookup item of its
// secret.
func (s *Store) CreateClient(ctx context.Context, c credential.Client) error {
	puts, err := s.encodeNew(toClientItem(c), "client")
	if err != nil {
		return err
	}
	lookup, err := s.clientSecretPut(c)
	if err != nil {
		return err
	}
	return s.transact(ctx, append(puts, lookup), func(int) error { return fmt.Errorf("client %s: %w", c.ID, store.ErrConflict) })
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

// UpdateClientSecret writes a rotated secret (and its lookup item), on
// condition that the client is still at c.Version (so two rotations cannot
// both win) and active; ErrConflict if it changed or was revoked,
// ErrNotFound if it is gone.
func (s *Store) UpdateClientSecret(ctx context.Context, c credential.Client) error {
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	u := newUpdateExpr()
	u.setTo("secretHash", str(c.SecretHash.String()))
	u.setTo("secretHint", str(c.SecretHint))
	u.setTo("previousHash", str(c.PreviousHash.String()))
	u.setTo("previousUntil", str(formatTime(c.PreviousUntil)))
	u.names["#st"], u.values[":active"] = "status", str(string(credential.Active))
	cond, ver := asRead(c.Version, u.names, u.values)
	k := key(sessionPK(c.ProjectID, c.ID), skSession)
	lookup, err := s.clientSecretPut(c)
	if err != nil {
		return err
	}
	return s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{TableName: s.table, Key: k, UpdateExpression: aws.String(u.expression(ver)),
			ConditionExpression: aws.String(cond + " AND #st = :active"), ExpressionAttributeNames: u.names,
			ExpressionAttributeValues: u.values}},
		lookup,
	}, func(int) error { return s.changedOrGone(ctx, k, "client "+c.ID) })
}

// UpdateClient writes c's limits (the quota's balance only when
// c.Limits.Quota.Reset; otherwise the stored balance, which authorizers
// spend, is kept), on condition that the client is still at c.Version;
// ErrConflict if it changed since, ErrNotFound if it is gone.
func (s *Store) UpdateClient(ctx context.Context, c credential.Client) error {
	u := newUpdateExpr()
	u.setLimits(c.Limits, true)
	u.names["#type"], u.values[":client"] = "type", &types.AttributeValueMemberS{Value: string(credential.KindClient)}
	err := s.updateAsRead(ctx, key(sessionPK(c.ProjectID, c.ID), skSession), "client "+c.ID, c.Version, u, "#type = :client")
	if errors.Is(err, store.ErrConflict) {
		// Another kind of session under that id is no client either.
		if _, gerr := s.GetClient(ctx, c.ProjectID, c.ID); errors.Is(gerr, store.ErrNotFound) {
			return gerr
		}
	}
	return err
}
