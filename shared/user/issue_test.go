package user_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/user"
)

var now = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

// The users of these tables: an admin, and alice and bob, who may issue.
var (
	admin = user.User{ID: "usr_admin", Roles: []string{user.RoleAdmin}, Scopes: scope.Set{"users:admin"}}
	alice = user.User{ID: "usr_alice", Roles: []string{user.RoleCredentialIssuer}, Scopes: scope.Set{"echo:read", "echo:write"}}
	bob   = user.User{ID: "usr_bob", Roles: []string{user.RoleCredentialIssuer}, Scopes: scope.Set{"echo:read"}}
	gone  = user.User{ID: "usr_gone", Roles: []string{user.RoleCredentialIssuer}, Scopes: scope.Set{"echo:read"}, Disabled: true}
)

func TestActFor(t *testing.T) {
	tests := []struct {
		name   string
		caller user.User
		owner  string
		want   error
	}{
		{"itself", alice, alice.ID, nil},
		{"an admin for another", admin, bob.ID, nil},
		{"an admin for itself", admin, admin.ID, nil},
		{"a non-admin for another", alice, bob.ID, user.ErrOtherOwner},
		{"a non-admin for an unknown id", alice, "usr_unknown", user.ErrOtherOwner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := (user.Caller{User: tt.caller}).ActFor(tt.owner); !errors.Is(err, tt.want) {
				t.Errorf("ActFor = %v, want %v", err, tt.want)
			}
		})
	}
}

// scopeCase is one check of a rule over the calling credential's scopes,
// an owner and the scopes asked for (nil: the owner's).
type scopeCase struct {
	name   string
	held   scope.Set // the calling credential's scopes
	owner  user.User
	scopes scope.Set
	want   error
}

func runScopeRule(t *testing.T, rule func(user.Caller, user.User, scope.Set) error, cases []scopeCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if err := rule(user.Caller{User: alice, Scopes: tt.held}, tt.owner, tt.scopes); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestGrantable(t *testing.T) {
	runScopeRule(t, user.Caller.Grantable, []scopeCase{
		{"inherit, holding all of the owner's", scope.Set{"echo:read", "echo:write"}, alice, nil, nil},
		{"inherit, holding more", scope.Set{scope.All}, alice, nil, nil},
		{"inherit, holding fewer", scope.Set{"echo:read"}, alice, nil, user.ErrInheritNotHeld},
		{"inherit from an admin, holding all", scope.Set{scope.All}, admin, nil, nil},
		{"inherit from an admin, holding some", scope.Set{"users:admin"}, admin, nil, user.ErrInheritNotHeld},
		{"inherit from a disabled owner", scope.Set{}, gone, nil, nil},
		{"a subset of both", scope.Set{"echo:read", "echo:write"}, alice, scope.Set{"echo:read"}, nil},
		{"none at all", scope.Set{}, alice, scope.Set{}, nil},
		{"beyond the owner's", scope.Set{scope.All}, alice, scope.Set{"users:admin"}, user.ErrBeyondOwner},
		{"beyond the owner's and the caller's", scope.Set{"echo:read"}, bob, scope.Set{"echo:write"}, user.ErrBeyondOwner},
		{"beyond the caller's", scope.Set{"echo:read"}, alice, scope.Set{"echo:write"}, user.ErrBeyondCaller},
		{"anything an admin owner", scope.Set{scope.All}, admin, scope.Set{"billing:read"}, nil},
		{"from a disabled owner", scope.Set{scope.All}, gone, scope.Set{"echo:read"}, user.ErrBeyondOwner},
	})
}

func TestCovers(t *testing.T) {
	runScopeRule(t, user.Caller.Covers, []scopeCase{
		{"granted, held", scope.Set{"echo:read"}, alice, scope.Set{"echo:read"}, nil},
		{"granted, not held", scope.Set{"echo:read"}, alice, scope.Set{"echo:read", "echo:write"}, user.ErrNotCovered},
		{"granted beyond the owner's now, held", scope.Set{"echo:read", "echo:write"}, bob, scope.Set{"echo:write"}, nil},
		{"granted beyond the owner's now, not held", scope.Set{"echo:read"}, bob, scope.Set{"echo:write"}, user.ErrNotCovered},
		{"nothing granted", scope.Set{}, alice, scope.Set{}, nil},
		{"inherits, all held", scope.Set{"echo:read", "echo:write"}, alice, nil, nil},
		{"inherits, some held", scope.Set{"echo:read"}, alice, nil, user.ErrNotCovered},
		{"inherits from an admin", scope.Set{"users:admin"}, admin, nil, user.ErrNotCovered},
		{"inherits from an admin, all held", scope.Set{scope.All}, admin, nil, nil},
		{"inherits from a disabled owner", scope.Set{}, gone, nil, nil},
	})
}

func TestNarrow(t *testing.T) {
	tests := []struct {
		name               string
		owner              user.User
		granted, requested scope.Set
		want               scope.Set
		err                error
	}{
		{"everything granted", alice, scope.Set{"echo:read"}, nil, scope.Set{"echo:read"}, nil},
		{"a part of the grant", alice, scope.Set{"echo:read", "echo:write"}, scope.Set{"echo:write"}, scope.Set{"echo:write"}, nil},
		{"none of the grant", alice, scope.Set{"echo:read"}, scope.Set{}, scope.Set{}, nil},
		{"beyond the grant", alice, scope.Set{"echo:read"}, scope.Set{"echo:write"}, nil, user.ErrBeyondGrant},
		{"inherits", alice, nil, nil, scope.Set{"echo:read", "echo:write"}, nil},
		{"inherits, a part asked", alice, nil, scope.Set{"echo:write"}, scope.Set{"echo:write"}, nil},
		{"inherits, beyond the owner's", alice, nil, scope.Set{"users:admin"}, nil, user.ErrBeyondGrant},
		{"grant beyond the owner's now", bob, scope.Set{"echo:read", "echo:write"}, nil, scope.Set{"echo:read"}, nil},
		{"asked within the grant, beyond the owner's now", bob, scope.Set{"echo:read", "echo:write"}, scope.Set{"echo:write"}, scope.Set{}, nil},
		{"an admin owner, inheriting", admin, nil, nil, scope.Set{scope.All}, nil},
		{"an admin owner, asking", admin, nil, scope.Set{"billing:read"}, scope.Set{"billing:read"}, nil},
		{"a disabled owner", gone, scope.Set{"echo:read"}, nil, scope.Set{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.owner.Narrow(tt.granted, tt.requested)
			if !errors.Is(err, tt.err) || !slices.Equal(got, tt.want) {
				t.Errorf("Narrow = %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestExpiresAt(t *testing.T) {
	const day = 24 * time.Hour
	key := user.Lifetime{Default: 90 * day, MayNever: true, AllowNever: true}
	strictKey := user.Lifetime{Default: 90 * day, MayNever: true}
	jwt := user.Lifetime{Default: 90 * day, Max: 365 * day, AllowNever: true}
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	tests := []struct {
		name string
		life user.Lifetime
		req  user.Expiry
		want *time.Time
		err  error
	}{
		{"omitted: the default", key, user.Expiry{}, at(90 * day), nil},
		{"omitted under a strict deployment", strictKey, user.Expiry{}, at(90 * day), nil},
		{"a time", key, user.Expiry{Set: true, At: now.Add(day)}, at(day), nil},
		{"a second ahead", key, user.Expiry{Set: true, At: now.Add(time.Second)}, at(time.Second), nil},
		{"within the second", key, user.Expiry{Set: true, At: now.Add(999 * time.Millisecond)}, nil, user.ErrExpiryPast},
		{"now", key, user.Expiry{Set: true, At: now}, nil, user.ErrExpiryPast},
		{"past", key, user.Expiry{Set: true, At: now.Add(-day)}, nil, user.ErrExpiryPast},
		{"never", key, user.Expiry{Set: true, Never: true}, nil, nil},
		{"never under a strict deployment", strictKey, user.Expiry{Set: true, Never: true}, nil, user.ErrNeverRefused},
		{"never for a kind that always expires", jwt, user.Expiry{Set: true, Never: true}, nil, user.ErrAlwaysExpires},
		{"at the longest lifetime", jwt, user.Expiry{Set: true, At: now.Add(365 * day)}, at(365 * day), nil},
		{"beyond the longest lifetime", jwt, user.Expiry{Set: true, At: now.Add(365*day + time.Second)}, nil, user.ErrExpiryTooLate},
		{"a default beyond the longest lifetime", user.Lifetime{Default: 2 * day, Max: day}, user.Expiry{}, nil, user.ErrExpiryTooLate},
		{"unbounded", key, user.Expiry{Set: true, At: now.Add(10 * 365 * day)}, at(10 * 365 * day), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.life.ExpiresAt(tt.req, now)
			if !errors.Is(err, tt.err) || (got == nil) != (tt.want == nil) || got != nil && !got.Equal(*tt.want) {
				t.Errorf("ExpiresAt = %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}
