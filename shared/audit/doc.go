// Package audit describes the audit record every change to users and
// credentials writes. A handler puts the record in the request's context
// (With); the store writes it in the same transaction as the change, so
// there is no change without its record and no record of a refused change.
// A record's target is a user or a credential, the latter typed by
// credential.Type. A record holds ids only, never a secret.
package audit
