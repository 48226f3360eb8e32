// Package devstack is the local stack behind `make run`: DynamoDB Local
// keeping its data under the state folder, the table, a one-time bootstrap,
// and the real authorizer and function handlers served over HTTP and mutual
// TLS through an emulation of API Gateway's REST API: routing, the REQUEST
// authorizer and its policy evaluation with IAM wildcards, its own 401, 403
// and 500 answers, and the client-certificate fields of mutual TLS. It listens on loopback only by default and writes
// the bootstrap admin key to a file readable by its owner alone.
package devstack
