package dynamo

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

const (
	skSession = "CRED"
	skRefresh = "REFRESH"
	skCount   = "COUNT"
)

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
	if kind, swept := sweptKinds[s.Kind]; swept {
		it.GSI2PK, it.GSI2SK = expiryIndex(s.ProjectID, s.ExpiresAt, kind, s.ID)
	}
	return it
}

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
	items, next, err := s.listSessionItems(ctx, projectID, owner, kind, page)
	if err != nil {
		return nil, "", err
	}
	out := make([]credential.Session, len(items))
	for i, it := range items {
		if out[i], err = fromSessionItem(it); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

func (s *Store) listSessionItems(ctx context.Context, projectID, owner string, kind credential.Kind, page store.Page) ([]sessionItem, string, error) {
	avs, next, err := s.listPage(ctx, ownerGSIPK(projectID, owner), sessionKindPrefix(kind), page, func(sk string) (map[string]types.AttributeValue, bool) {
		id, ok := lastSegment(sk)
		return key(sessionPK(projectID, id), skSession), ok
	})
	if err != nil {
		return nil, "", err
	}
	out := make([]sessionItem, len(avs))
	for i, av := range avs {
		if err := attributevalue.UnmarshalMap(av, &out[i]); err != nil {
			return nil, "", fmt.Errorf("decoding credential: %w", err)
		}
	}
	return out, next, nil
}

// ListFamilies lists an owner's refresh-token families, newest first.
func (s *Store) ListFamilies(ctx context.Context, projectID, owner string, page store.Page) ([]refresh.Family, string, error) {
	items, next, err := s.listSessionItems(ctx, projectID, owner, credential.KindRefresh, page)
	if err != nil {
		return nil, "", err
	}
	out := make([]refresh.Family, len(items))
	for i, it := range items {
		if out[i], err = fromFamilyItem(it); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

func fromFamilyItem(it sessionItem) (refresh.Family, error) {
	sess, err := fromSessionItem(it)
	return refresh.Family{Session: sess, AccessTokenTTL: time.Duration(it.AccessTokenTTL) * time.Second}, err
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

// CreateFamily stores a refresh-token family and its first token.
func (s *Store) CreateFamily(ctx context.Context, f refresh.Family, first refresh.Token) error {
	it := toSessionItem(f.Session)
	it.AccessTokenTTL = int64(f.AccessTokenTTL / time.Second)
	put, err := s.putSession(it)
	if err != nil {
		return err
	}
	tok, err := s.refreshPut(first)
	if err != nil {
		return err
	}
	return s.transact(ctx, []types.TransactWriteItem{put, tok}, func(int) error { return fmt.Errorf("family %s: %w", f.ID, store.ErrConflict) })
}

// GetFamily reads a refresh-token family.
func (s *Store) GetFamily(ctx context.Context, projectID, familyID string) (refresh.Family, error) {
	it, err := s.getSessionItem(ctx, projectID, familyID)
	if err != nil {
		return refresh.Family{}, err
	}
	if it.Type != string(credential.KindRefresh) {
		return refresh.Family{}, fmt.Errorf("family %s: %w", familyID, store.ErrNotFound)
	}
	return fromFamilyItem(it)
}

// RevokeFamily revokes an active family; ErrNotFound if there is none.
func (s *Store) RevokeFamily(ctx context.Context, projectID, familyID string, at time.Time) error {
	return s.RevokeSession(ctx, projectID, familyID, at)
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

// retention keeps expired records (for reuse detection and audit) before
// DynamoDB's TTL deletes them.
const retention = 30 * 24 * time.Hour

func (s *Store) refreshPut(t refresh.Token) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(refreshItem{
		PK: hashPK(t.ProjectID, t.Hash), SK: skRefresh, Type: "refresh_token", ProjectID: t.ProjectID,
		FamilyID: t.FamilyID, Generation: t.Generation, ExpiresAt: formatTime(t.ExpiresAt),
		TTL: t.ExpiresAt.Add(retention).Unix(),
	})
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("encoding refresh token: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)")}}, nil
}

// GetRefreshToken reads a refresh token's record by its hash.
func (s *Store) GetRefreshToken(ctx context.Context, projectID string, h secret.Hash) (refresh.Token, error) {
	av, err := s.get(ctx, key(hashPK(projectID, h), skRefresh))
	if err != nil {
		return refresh.Token{}, fmt.Errorf("refresh token: %w", err)
	}
	var it refreshItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return refresh.Token{}, fmt.Errorf("decoding refresh token: %w", err)
	}
	t := refresh.Token{ProjectID: it.ProjectID, Hash: h, FamilyID: it.FamilyID, Generation: it.Generation,
		Spent: it.Spent, Successor: it.Successor}
	var errs [2]error
	t.ExpiresAt, errs[0] = parseTime(it.ExpiresAt)
	if it.SpentAt != "" {
		t.SpentAt, errs[1] = parseTime(it.SpentAt)
	}
	for _, err := range errs {
		if err != nil {
			return refresh.Token{}, fmt.Errorf("decoding refresh token: %w", err)
		}
	}
	return t, nil
}

// RotateRefreshToken spends a token and stores its successor in one
// transaction, on condition that the token was not spent and the family is
// active; ErrConflict otherwise.
func (s *Store) RotateRefreshToken(ctx context.Context, spent, successor refresh.Token) error {
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
		next,
		{ConditionCheck: &types.ConditionCheck{
			TableName: s.table, Key: key(sessionPK(spent.ProjectID, spent.FamilyID), skSession),
			ConditionExpression:       aws.String("#st = :active"),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":active": &types.AttributeValueMemberS{Value: string(credential.Active)}},
		}},
	}
	return s.transact(ctx, items, func(int) error { return fmt.Errorf("refresh token rotation: %w", store.ErrConflict) })
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
	items, next, err := s.listSessionItems(ctx, projectID, owner, credential.KindClient, page)
	if err != nil {
		return nil, "", err
	}
	out := make([]credential.Client, len(items))
	for i, it := range items {
		if out[i], err = fromClientItem(it); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
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

// AddFailure counts one failed attempt for key in the window that started
// at windowStart, and returns the window's count; the counter expires with
// the window.
func (s *Store) AddFailure(ctx context.Context, projectID, throttleKey string, windowStart time.Time, window time.Duration) (int, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table,
		Key:                      key(pk(projectID, "THROTTLE", throttleKey), skCount+"#"+strconv.FormatInt(windowStart.Unix(), 10)),
		UpdateExpression:         aws.String("ADD #n :one SET #ttl = :ttl"),
		ExpressionAttributeNames: map[string]string{"#n": "count", "#ttl": AttrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": &types.AttributeValueMemberN{Value: "1"},
			":ttl": &types.AttributeValueMemberN{Value: strconv.FormatInt(windowStart.Add(2*window).Unix(), 10)},
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("dynamodb count failure: %w", err)
	}
	var n int
	if err := attributevalue.Unmarshal(out.Attributes["count"], &n); err != nil {
		return 0, fmt.Errorf("decoding failure count: %w", err)
	}
	return n, nil
}

// Failures returns the failed attempts counted for key in the window that
// started at windowStart.
func (s *Store) Failures(ctx context.Context, projectID, throttleKey string, windowStart time.Time) (int, error) {
	av, err := s.get(ctx, key(pk(projectID, "THROTTLE", throttleKey), skCount+"#"+strconv.FormatInt(windowStart.Unix(), 10)))
	if err != nil {
		if isNotFound(err) {
			return 0, nil
		}
		return 0, err
	}
	var n int
	if err := attributevalue.Unmarshal(av["count"], &n); err != nil {
		return 0, fmt.Errorf("decoding failure count: %w", err)
	}
	return n, nil
}
