package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

// Leaks (scanning.Leak): a marker under the credential,
// P#<project>#LEAK#<credentialId>, created once (so a credential is acted
// on, audited and announced once however often and however concurrently
// it is reported), and a marker under the hash of each secret reported
// leaked (HASH#<hash>, sort key LEAK), so that a report of it answers
// true_positive even once the credential is gone. Neither has a TTL.
//
// A client's secrets are found by hash too: CreateClient and
// UpdateClientSecret write HASH#<hash> (sort key CLIENT) naming the client.
const (
	skLeak         = "LEAK"
	skClientSecret = "CLIENT"
)

// leakItem is either marker.
type leakItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	Type           string `dynamodbav:"type"`
	ProjectID      string `dynamodbav:"projectId"`
	CredentialID   string `dynamodbav:"credentialId"`
	CredentialType string `dynamodbav:"credentialType"`
	At             string `dynamodbav:"at"`
}

func leakPK(projectID, credentialID string) string { return pk(projectID, "LEAK", credentialID) }

// clientSecretItem is the lookup item of a client's secret.
type clientSecretItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	ProjectID string `dynamodbav:"projectId"`
	ClientID  string `dynamodbav:"clientId"`
}

// clientSecretPut writes the lookup item of c's current secret.
func (s *Store) clientSecretPut(c credential.Client) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(clientSecretItem{PK: hashPK(c.ProjectID, c.SecretHash), SK: skClientSecret,
		Type: "client_secret", ProjectID: c.ProjectID, ClientID: c.ID})
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("encoding client secret: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: av}}, nil
}

var _ scanning.Store = (*Store)(nil)

// GetClientBySecret reads the client whose secret (current or previous)
// hashes to h: two reads. Clients created before secrets had lookup items
// are found once their secret is rotated.
func (s *Store) GetClientBySecret(ctx context.Context, projectID string, h secret.Hash) (credential.Client, error) {
	it, err := getAs(ctx, s, key(hashPK(projectID, h), skClientSecret), "client by secret",
		func(it clientSecretItem) (clientSecretItem, error) { return it, nil })
	if err != nil {
		return credential.Client{}, err
	}
	return s.GetClient(ctx, projectID, it.ClientID)
}

// LeakedSecret reports whether the secret hashed h was recorded leaked.
func (s *Store) LeakedSecret(ctx context.Context, projectID string, h secret.Hash) (bool, error) {
	_, err := s.get(ctx, key(hashPK(projectID, h), skLeak))
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// RecordLeak records l in one transaction: the credential's marker (on
// condition there is none: scanning.ErrReported otherwise, once l.Hash is
// marked too), l.Hash's marker, l.Change, the audit record ctx carries and
// l.Event in the event outbox, which the forwarder publishes. ErrConflict
// if the key changed since it was read, ErrNotFound if it is gone or the
// session is no longer active.
func (s *Store) RecordLeak(ctx context.Context, l scanning.Leak) error {
	e := l.Event
	marker := leakItem{PK: leakPK(l.ProjectID, e.CredentialID), SK: skLeak, Type: "leak", ProjectID: l.ProjectID,
		CredentialID: e.CredentialID, CredentialType: e.Kind, At: formatTime(e.Time)}
	credMarker, err := attributevalue.MarshalMap(marker)
	if err != nil {
		return fmt.Errorf("encoding leak: %w", err)
	}
	marker.PK = hashPK(l.ProjectID, l.Hash)
	hashMarker, err := attributevalue.MarshalMap(marker)
	if err != nil {
		return fmt.Errorf("encoding leak: %w", err)
	}
	ev, err := eventAttrs(l.ProjectID, e)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{s.putNew(credMarker), {Put: &types.Put{TableName: s.table, Item: hashMarker}}, s.putNew(ev)}
	const changeAt = 3 // the index of the change's first item
	var onChangeFailed func() error
	switch l.Change {
	case scanning.ChangeDeactivateKey:
		items = append(items, s.keyUpdates(l.Key, false)...)
		onChangeFailed = func() error { return s.changedOrGone(ctx, key(keyPK(l.ProjectID, l.Key.ID), skKey), "key "+l.Key.ID) }
	case scanning.ChangeDeleteKey:
		record := key(keyPK(l.ProjectID, l.Key.ID), skKey)
		items = append(items, types.TransactWriteItem{Delete: s.deleteAsRead(record, l.Key.Version)},
			types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: key(hashPK(l.ProjectID, l.Key.Hash), skLookup)}})
		onChangeFailed = func() error { return s.changedOrGone(ctx, record, "key "+l.Key.ID) }
	case scanning.ChangeRevokeSession:
		items = append(items, types.TransactWriteItem{Update: transactUpdate(s.revokeSession(l.ProjectID, e.CredentialID, e.Time))})
		onChangeFailed = func() error {
			return fmt.Errorf("credential %s no longer active: %w", e.CredentialID, store.ErrNotFound)
		}
	}
	return s.transact(ctx, items, func(i int) error {
		switch {
		case i == 0:
			// Reported before through another of its secrets: mark this
			// one too, so that its reports answer true_positive.
			if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: hashMarker}); err != nil {
				return fmt.Errorf("dynamodb mark leaked secret: %w", err)
			}
			return fmt.Errorf("credential %s: %w", e.CredentialID, scanning.ErrReported)
		case i >= changeAt && onChangeFailed != nil:
			return onChangeFailed()
		}
		return errors.New("dynamodb record leak: the event's or audit record's id is taken")
	})
}
