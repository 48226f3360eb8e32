// Package awsdeps builds, from the configuration, the AWS-backed parts the
// Lambda functions share: the JWT signer and keyring in KMS (private keys
// never leave KMS), envelope encryption under a KMS key, and the
// EventBridge publisher of sweep events. It is read once at cold start.
package awsdeps
