// Package storetest is the contract every Tollgate store must meet, run
// against the in-memory store and against DynamoDB Local.
package storetest
