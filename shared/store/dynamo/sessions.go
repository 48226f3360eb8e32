package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store"
)

// skSession is the sort key of every kind of session's record.
const skSession = "CRED"

// sessionItem stores every kind of session; kind-specific fields are empty
// for the other kinds.
type sessionItem struct {
	PK            string   `dynamodbav:"PK"`
	SK            string   `dynamodbav:"SK"`
	GSI1PK        string   `dynamodbav:"GSI1PK"`
	GSI1SK        string   `dynamodbav:"GSI1SK"`
	GSI2PK        string   `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK        string   `dynamodbav:"GSI2SK,omitempty"`
	Type          string   `dynamodbav:"type"`
	ProjectID     string   `dynamodbav:"projectId"`
	ID            string   `dynamodbav:"id"`
	Owner         string   `dynamodbav:"owner"`
	Name          string   `dynamodbav:"name"`
	Scopes        []string `dynamodbav:"scopes"`
	InheritScopes bool     `dynamodbav:"inheritScopes"`
	Status        string   `dynamodbav:"status"`
	CreatedAt     string   `dynamodbav:"createdAt"`
	ExpiresAt     string   `dynamodbav:"expiresAt,omitempty"`
	NotBefore     string   `dynamodbav:"notBefore"`
	RevokedAt     string   `dynamodbav:"revokedAt,omitempty"`
	// refresh families
	AccessTokenTTL int64 `dynamodbav:"accessTokenTtl,omitempty"`
	// clients
	SecretHash    string `dynamodbav:"secretHash,omitempty"`
	SecretHint    string `dynamodbav:"secretHint,omitempty"`
	PreviousHash  string `dynamodbav:"previousHash,omitempty"`
	PreviousUntil string `dynamodbav:"previousUntil,omitempty"`
	TTL           int64  `dynamodbav:"ttl,omitempty"`
}

func sessionPK(projectID, id string) string { return pk(projectID, "CRED", id) }

func sessionKindPrefix(k credential.Kind) string { return string(k) + "#" }

func toSessionItem(s credential.Session) sessionItem {
	it := sessionItem{
		PK: sessionPK(s.ProjectID, s.ID), SK: skSession,
		GSI1PK: ownerGSIPK(s.ProjectID, s.Owner), GSI1SK: sessionKindPrefix(s.Kind) + formatTime(s.CreatedAt) + "#" + s.ID,
		Type: string(s.Kind), ProjectID: s.ProjectID, ID: s.ID, Owner: s.Owner, Name: s.Name,
		Scopes: nonNil(s.Scopes), InheritScopes: s.Scopes == nil, Status: string(s.Status),
		CreatedAt: formatTime(s.CreatedAt), ExpiresAt: formatOptTime(s.ExpiresAt), NotBefore: formatTime(s.NotBefore),
		TTL: ttlAfter(s.ExpiresAt),
	}
	// Personal JWTs and refresh families are swept; sign-in sessions and
	// clients are not (the former die with their one-hour token).
	if s.Kind.Swept() {
		it.GSI2PK, it.GSI2SK = expiryIndex(s.ProjectID, s.ExpiresAt, s.Kind.Type(), s.ID)
	}
	return it
}

// retention keeps expired records (for reuse detection and audit) before
// DynamoDB's TTL deletes them.
const retention = 30 * 24 * time.Hour

// ttlAfter lets DynamoDB delete a record a retention period after it
// expires; records that never expire are kept.
func ttlAfter(expires *time.Time) int64 {
	if expires == nil {
		return 0
	}
	return expires.Add(retention).Unix()
}

func fromSessionItem(it sessionItem) (credential.Session, error) {
	s := credential.Session{
		ProjectID: it.ProjectID, ID: it.ID, Kind: credential.Kind(it.Type), Owner: it.Owner, Name: it.Name,
		Status: credential.Status(it.Status),
	}
	if !it.InheritScopes {
		s.Scopes = scope.Set(nonNil(it.Scopes))
	}
	var errs [3]error
	s.CreatedAt, errs[0] = parseTime(it.CreatedAt)
	s.ExpiresAt, errs[1] = parseOptTime(it.ExpiresAt)
	s.NotBefore, errs[2] = parseTime(it.NotBefore)
	for _, err := range errs {
		if err != nil {
			return credential.Session{}, fmt.Errorf("decoding session %s: %w", it.ID, err)
		}
	}
	return s, nil
}

func (s *Store) putSession(it sessionItem) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("encoding session: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)")}}, nil
}

func (s *Store) getSessionItem(ctx context.Context, projectID, id string) (sessionItem, error) {
	av, err := s.get(ctx, key(sessionPK(projectID, id), skSession))
	if err != nil {
		return sessionItem{}, fmt.Errorf("credential %s: %w", id, err)
	}
	var it sessionItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return sessionItem{}, fmt.Errorf("decoding credential %s: %w", id, err)
	}
	return it, nil
}

// CreateSession stores a new session (a personal JWT's record).
func (s *Store) CreateSession(ctx context.Context, sess credential.Session) error {
	put, err := s.putSession(toSessionItem(sess))
	if err != nil {
		return err
	}
	return s.transact(ctx, []types.TransactWriteItem{put}, func(int) error { return fmt.Errorf("credential %s: %w", sess.ID, store.ErrConflict) })
}

// GetSession reads any kind of session by id: the authorizer's one read
// for a JWT.
func (s *Store) GetSession(ctx context.Context, projectID, id string) (credential.Session, error) {
	it, err := s.getSessionItem(ctx, projectID, id)
	if err != nil {
		return credential.Session{}, err
	}
	return fromSessionItem(it)
}

// ListSessions lists an owner's sessions of one kind, newest first.
func (s *Store) ListSessions(ctx context.Context, projectID, owner string, kind credential.Kind, page store.Page) ([]credential.Session, string, error) {
	return listSessions(ctx, s, projectID, owner, kind, page, fromSessionItem)
}

// listSessions lists an owner's sessions of one kind, newest first, each
// decoded by from.
func listSessions[T any](ctx context.Context, s *Store, projectID, owner string, kind credential.Kind, page store.Page,
	from func(sessionItem) (T, error)) ([]T, string, error) {
	avs, next, err := s.listPage(ctx, ownerGSIPK(projectID, owner), sessionKindPrefix(kind), page, func(sk string) (map[string]types.AttributeValue, bool) {
		id, ok := lastSegment(sk)
		return key(sessionPK(projectID, id), skSession), ok
	})
	if err != nil {
		return nil, "", err
	}
	items := make([]sessionItem, len(avs))
	for i, av := range avs {
		if err := attributevalue.UnmarshalMap(av, &items[i]); err != nil {
			return nil, "", fmt.Errorf("decoding credential: %w", err)
		}
	}
	out := make([]T, len(items))
	for i, it := range items {
		if out[i], err = from(it); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// RevokeSession revokes an active session (compare-and-swap); ErrNotFound
// if there is none or it is revoked already.
func (s *Store) RevokeSession(ctx context.Context, projectID, id string, at time.Time) error {
	err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: key(sessionPK(projectID, id), skSession),
		UpdateExpression:         aws.String("SET #st = :revoked, #at = :at"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #st = :active"),
		ExpressionAttributeNames: map[string]string{"#st": "status", "#at": "revokedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":revoked": &types.AttributeValueMemberS{Value: string(credential.Revoked)},
			":active":  &types.AttributeValueMemberS{Value: string(credential.Active)},
			":at":      &types.AttributeValueMemberS{Value: formatTime(at)},
		},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("credential %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("dynamodb revoke: %w", err)
	}
	return nil
}

// RevokeTokensBefore refuses every token of an active session issued
// before at, keeping the session; ErrNotFound if there is none.
func (s *Store) RevokeTokensBefore(ctx context.Context, projectID, id string, at time.Time) error {
	err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: key(sessionPK(projectID, id), skSession),
		UpdateExpression:         aws.String("SET #nb = :at"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #nb < :at"),
		ExpressionAttributeNames: map[string]string{"#nb": "notBefore"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": &types.AttributeValueMemberS{Value: formatTime(at)},
		},
	})
	if isConditionFailed(err) {
		if _, gerr := s.getSessionItem(ctx, projectID, id); gerr != nil {
			return gerr
		}
		return nil // already at or past at
	}
	if err != nil {
		return fmt.Errorf("dynamodb revoke tokens: %w", err)
	}
	return nil
}
