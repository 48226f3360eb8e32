package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/store"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store reads and writes Tollgate's records in one DynamoDB table.
type Store struct {
	db           API
	table        *string
	requireAudit bool
}

// New returns a store over the named table.
func New(db API, table string) *Store { return &Store{db: db, table: aws.String(table)} }

// RequireAudit makes every change refuse to run without an audit record in
// its context (store.ErrUnaudited): production stores use it, so no change
// can be made without its record.
func (s *Store) RequireAudit() *Store {
	s.requireAudit = true
	return s
}

// The conditions of writes that create a record and of writes that change
// one.
const (
	condNew   = "attribute_not_exists(PK)"
	condExist = "attribute_exists(PK)"
)

// get reads one item with a strongly consistent read; ErrNotFound if absent.
func (s *Store) get(ctx context.Context, k item) (item, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("dynamodb get: %w", err)
	}
	if len(out.Item) == 0 {
		return nil, store.ErrNotFound
	}
	return out.Item, nil
}

// getAs reads the item at k and decodes it with from; a failed read names
// what.
func getAs[I, T any](ctx context.Context, s *Store, k item, what string, from func(I) (T, error)) (T, error) {
	av, err := s.get(ctx, k)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return decode(av, from)
}

// putNew is the Put that creates av, on condition that nothing is stored
// under its key.
func (s *Store) putNew(av item) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: av, ConditionExpression: aws.String(condNew)}}
}

// encodeNew encodes v (named what in errors) and returns the Puts that
// create it under each of keys, each on condition that the key is free.
func (s *Store) encodeNew(v any, what string, keys ...item) ([]types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", what, err)
	}
	if len(keys) == 0 {
		return []types.TransactWriteItem{s.putNew(av)}, nil
	}
	puts := make([]types.TransactWriteItem, len(keys))
	for i, k := range keys {
		under := maps.Clone(av)
		maps.Copy(under, k)
		puts[i] = s.putNew(under)
	}
	return puts, nil
}

// transact runs a write transaction and maps a failed condition on item i
// to onFail(i). The audit record ctx carries is written in the same
// transaction.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem, onFail func(i int) error) error {
	put, ok, err := s.auditPut(ctx)
	if err != nil {
		return err
	}
	if ok {
		items = append(items[:len(items):len(items)], put)
	}
	failed, err := s.transactWrite(ctx, items)
	if failed >= 0 {
		return onFail(failed)
	}
	return err
}

// collisionAttempts bounds how often transactWrite runs a transaction that
// DynamoDB cancelled because another was changing one of its items at the
// same moment (reason TransactionConflict, which the SDK does not retry).
// Nothing was written; running it again evaluates its conditions afresh.
const collisionAttempts = 3

// errCollided is a transaction that collided collisionAttempts times:
// nothing was written, and the caller may read again and retry, as after a
// failed version condition.
var errCollided = fmt.Errorf("dynamodb transaction collided with others: %w", store.ErrConflict)

// transactWrite runs a write transaction; failed is the index of the item
// whose condition failed, or -1.
func (s *Store) transactWrite(ctx context.Context, items []types.TransactWriteItem) (failed int, err error) {
	for range collisionAttempts {
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			break
		}
		collided := false
		for i, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				return i, nil
			case "TransactionConflict":
				collided = true
			}
		}
		if !collided {
			break
		}
		err = errCollided
	}
	if err != nil && !errors.Is(err, errCollided) {
		err = fmt.Errorf("dynamodb transaction: %w", err)
	}
	return -1, err
}

// update runs a single-item update; with an audit record in ctx it runs the
// update and the record's Put as one transaction, and reports a failed
// condition on the update as a ConditionalCheckFailedException, as the
// single UpdateItem would have.
func (s *Store) update(ctx context.Context, in *dynamodb.UpdateItemInput) error {
	put, ok, err := s.auditPut(ctx)
	if err != nil {
		return err
	}
	if !ok {
		_, err := s.db.UpdateItem(ctx, in)
		return err
	}
	failed, err := s.transactWrite(ctx, []types.TransactWriteItem{{Update: transactUpdate(in)}, put})
	switch {
	case failed == 0:
		return &types.ConditionalCheckFailedException{Message: aws.String("the conditional request failed")}
	case failed > 0:
		return errors.New("dynamodb transaction: the audit record's id is taken")
	}
	return err
}

// attrVersion holds a record's revision: the Version of user.User,
// apikey.Key, credential.Session and sas.Sealed.
const attrVersion = "version"

// asRead returns the condition that an item is still at version v, as it
// was read (0: written before records had versions), and the SET clause
// that stores v+1, adding their placeholders to names and values.
func asRead(v int64, names map[string]string, values map[string]types.AttributeValue) (cond, set string) {
	names["#ver"] = attrVersion
	values[":next"] = number(v + 1)
	if v == 0 {
		return "attribute_exists(PK) AND attribute_not_exists(#ver)", "#ver = :next"
	}
	values[":ver"] = number(v)
	return "#ver = :ver", "#ver = :next"
}

// updateAsRead runs u on the item at k (what names it in errors) on
// condition that it is still at version v (and that also holds, unless it
// is ""), storing v+1; ErrConflict if it changed since, ErrNotFound if it
// is gone.
func (s *Store) updateAsRead(ctx context.Context, k item, what string, v int64, u *updateExpr, also string) error {
	cond, ver := asRead(v, u.names, u.values)
	if also != "" {
		cond += " AND " + also
	}
	err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: k, UpdateExpression: aws.String(u.expression(ver)), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.values,
	})
	if isConditionFailed(err) {
		return s.changedOrGone(ctx, k, what)
	}
	if err != nil {
		return fmt.Errorf("dynamodb update %s: %w", what, err)
	}
	return nil
}

// deleteAsRead is the Delete of the item at k on condition that it is still
// at version v.
// transactUpdate is in as one update of a transaction.
func transactUpdate(in *dynamodb.UpdateItemInput) *types.Update {
	return &types.Update{
		TableName: in.TableName, Key: in.Key, UpdateExpression: in.UpdateExpression,
		ConditionExpression: in.ConditionExpression, ExpressionAttributeNames: in.ExpressionAttributeNames,
		ExpressionAttributeValues: in.ExpressionAttributeValues,
	}
}

func (s *Store) deleteAsRead(k item, v int64) *types.Delete {
	names, values := map[string]string{}, map[string]types.AttributeValue{}
	cond, _ := asRead(v, names, values)
	delete(values, ":next")
	if len(values) == 0 {
		values = nil
	}
	return &types.Delete{TableName: s.table, Key: k, ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values}
}

// bumpVersion is the clause of a change not conditional on the version
// (a revocation, an expiry) that still moves it on; it needs ":one".
const bumpVersion = " ADD #ver :one"

func number(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// changedOrGone tells why a write conditional on the version read at k
// failed: ErrNotFound if the record is gone, else ErrConflict.
func (s *Store) changedOrGone(ctx context.Context, k item, what string) error {
	_, err := s.get(ctx, k)
	switch {
	case isNotFound(err):
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	case err != nil:
		return err
	}
	return fmt.Errorf("%s changed concurrently: %w", what, store.ErrConflict)
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
