// Package localsvc runs the local stand-ins for AWS services (DynamoDB
// Local, local-kms) that the local stack and the integration tests use:
// finding their installed files, starting them on a free loopback port,
// waiting until they answer, and stopping them. Nothing it starts outlives
// the process that started it when Stop is called.
package localsvc
