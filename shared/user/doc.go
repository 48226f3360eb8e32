// Package user holds principals: people and scripts with roles and scopes,
// and the rules for issuing credentials on their behalf (issue.go). A
// user's current roles and scopes bound every credential it owns, so
// demoting, disabling or deleting a user narrows or stops them all; no
// credential is issued with a scope its owner or the calling credential
// lacks.
package user
