// Package user holds principals: people and scripts with roles and scopes.
// A user's current roles and scopes bound every credential it owns, so
// demoting, disabling or deleting a user narrows or stops them all.
package user
