// Package localkms starts and stops local-kms, a KMS-compatible server
// (github.com/nsmithuk/local-kms, installed by `make tools` into .tools/bin),
// so the KMS signer and envelope encryption are tested against a real KMS
// API instead of a mock. Tests talk to it on 127.0.0.1 only.
package localkms
