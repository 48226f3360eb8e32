// Package dynamo is Tollgate's DynamoDB store: one table, every key prefixed
// by the project so no read or write crosses projects. API keys are kept as
// two items written together in one transaction: the record under its keyId
// and a lookup item under SHA-256 of the secret, so the authorizer finds a
// key with one GetItem. Conditional failures come back as the store package's
// sentinel errors, never as SDK types.
package dynamo
