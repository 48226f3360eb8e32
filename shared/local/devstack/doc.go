// Package devstack is the local stack behind `make run`: DynamoDB Local
// keeping its data under the state folder, the table, a one-time bootstrap,
// and the real authorizer and function handlers served over HTTP through the
// API Gateway emulation. It listens on loopback only by default and writes
// the bootstrap admin key to a file readable by its owner alone.
package devstack
