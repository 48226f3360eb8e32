package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	AccessTokenTTL int64  `dynamodbav:"accessTokenTtl,omitempty"`
	DPoPKey        string `dynamodbav:"dpopJkt,omitempty"`
	// clients
	SecretHash    string `dynamodbav:"secretHash,omitempty"`
	SecretHint    string `dynamodbav:"secretHint,omitempty"`
	PreviousHash  string `dynamodbav:"previousHash,omitempty"`
	PreviousUntil string `dynamodbav:"previousUntil,omitempty"`
	TTL           int64  `dynamodbav:"ttl,omitempty"`
	Version       int64  `dynamodbav:"version,omitempty"`
	limitsItem           // clients'; the item is the record, so it holds the balance
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
		TTL: ttlAfter(s.ExpiresAt), Version: 1, limitsItem: toLimitsItem(s.Limits, true),
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
		Status: credential.Status(it.Status), Version: it.Version,
	}
	if !it.InheritScopes {
		s.Scopes = scope.Set(nonNil(it.Scopes))
	}
	var p parser
	s.CreatedAt, s.ExpiresAt, s.NotBefore = p.time(it.CreatedAt), p.optTime(it.ExpiresAt), p.time(it.NotBefore)
	s.Limits = p.limits(it.limitsItem)
	if p.err != nil {
		return credential.Session{}, fmt.Errorf("decoding session %s: %w", it.ID, p.err)
	}
	return s, nil
}

// getSessionOf reads a session of one kind, decoded by from; ErrNotFound
// (naming what) if it is of another kind.
func getSessionOf[T any](ctx context.Context, s *Store, projectID, id string, kind credential.Kind, what string,
	from func(sessionItem) (T, error)) (T, error) {
	return getAs(ctx, s, key(sessionPK(projectID, id), skSession), "credential "+id, func(it sessionItem) (T, error) {
		if it.Type != string(kind) {
			var zero T
			return zero, fmt.Errorf("%s %s: %w", what, id, store.ErrNotFound)
		}
		return from(it)
	})
}

// CreateSession stores a new session (a personal JWT's record).
func (s *Store) CreateSession(ctx context.Context, sess credential.Session) error {
	puts, err := s.encodeNew(toSessionItem(sess), "session")
	if err != nil {
		return err
	}
	return s.transact(ctx, puts, func(int) error { return fmt.Errorf("credential %s: %w", sess.ID, store.ErrConflict) })
}

// GetSession reads any kind of session by id: the authorizer's one read
// for a JWT.
func (s *Store) GetSession(ctx context.Context, projectID, id string) (credential.Session, error) {
	return getAs(ctx, s, key(sessionPK(projectID, id), skSession), "credential "+id, fromSessionItem)
}

// ListSessions lists an owner's sessions of one kind, newest first.
func (s *Store) ListSessions(ctx context.Context, projectID, owner string, kind credential.Kind, page store.Page) ([]credential.Session, string, error) {
	return listSessions(ctx, s, projectID, owner, kind, page, fromSessionItem)
}

// listSessions lists an owner's sessions of one kind, newest first, each
// decoded by from.
func listSessions[T any](ctx context.Context, s *Store, projectID, owner string, kind credential.Kind, page store.Page,
	from func(sessionItem) (T, error)) ([]T, string, error) {
	return listOwned(ctx, s, ownerGSIPK(projectID, owner), sessionKindPrefix(kind), page,
		func(id string) item { return key(sessionPK(projectID, id), skSession) }, from)
}

// RevokeSession revokes an active session (compare-and-swap); ErrNotFound
// if there is none or it is revoked already.
func (s *Store) RevokeSession(ctx context.Context, projectID, id string, at time.Time) error {
	err := s.update(ctx, s.revokeSession(projectID, id, at))
	if isConditionFailed(err) {
		return fmt.Errorf("credential %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("dynamodb revoke: %w", err)
	}
	return nil
}

// revokeSession is the update that revokes session id at, on condition it
// is active (and moves its version on).
func (s *Store) revokeSession(projectID, id string, at time.Time) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName: s.table, Key: key(sessionPK(projectID, id), skSession),
		UpdateExpression:         aws.String("SET #st = :revoked, #at = :at" + bumpVersion),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #st = :active"),
		ExpressionAttributeNames: map[string]string{"#st": "status", "#at": "revokedAt", "#ver": attrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one":     number(1),
			":revoked": &types.AttributeValueMemberS{Value: string(credential.Revoked)},
			":active":  &types.AttributeValueMemberS{Value: string(credential.Active)},
			":at":      &types.AttributeValueMemberS{Value: formatTime(at)},
		},
	}
}

// RevokeTokensBefore refuses every token of an active session issued
// before at, keeping the session; ErrNotFound if there is none.
func (s *Store) RevokeTokensBefore(ctx context.Context, projectID, id string, at time.Time) error {
	err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: key(sessionPK(projectID, id), skSession),
		UpdateExpression:         aws.String("SET #nb = :at" + bumpVersion),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #nb < :at"),
		ExpressionAttributeNames: map[string]string{"#nb": "notBefore", "#ver": attrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": &types.AttributeValueMemberS{Value: formatTime(at)}, ":one": number(1),
		},
	})
	if isConditionFailed(err) {
		if _, gerr := s.GetSession(ctx, projectID, id); gerr != nil {
			return gerr
		}
		return nil // already at or past at
	}
	if err != nil {
		return fmt.Errorf("dynamodb revoke tokens: %w", err)
	}
	return nil
}
