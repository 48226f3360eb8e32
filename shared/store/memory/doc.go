// Package memory is an in-memory store with the same contract as the
// DynamoDB store (the storetest suite runs against both), for fast unit
// tests of logic. It is not for production: nothing survives the process.
package memory
