// Package localtest gives integration tests the local stand-ins for AWS
// services, each started once per test binary on first use and stopped by
// Main: an in-memory DynamoDB Local (with a fresh table per test) and a
// local-kms. Without them installed a test skips, or fails when `make test`
// sets the Require variables.
package localtest
