package storetest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/sweep"
	"github.com/tollgate/tollgate/shared/user"
)

// Store is every method a Tollgate store provides.
type Store interface {
	GetClientBySecret(ctx context.Context, projectID string, h secret.Hash) (credential.Client, error)
	CreateUser(context.Context, user.User) error
	GetUser(ctx context.Context, projectID, userID string) (user.User, error)
	GetUserByUsername(ctx context.Context, projectID, username string) (user.User, error)
	ListUsers(ctx context.Context, projectID string, p store.Page) ([]user.User, string, error)
	UpdateUser(context.Context, user.User) error
	DeleteUser(context.Context, user.User) error
	CreateKey(context.Context, apikey.Key) error
	GetKey(ctx context.Context, projectID, keyID string) (apikey.Key, error)
	GetKeyByHash(ctx context.Context, projectID string, h secret.Hash) (apikey.Key, error)
	ListKeys(ctx context.Context, projectID, owner string, p store.Page) ([]apikey.Key, string, error)
	UpdateKey(context.Context, apikey.Key) error
	RotateKey(ctx context.Context, old, successor apikey.Key) error
	DeleteKey(context.Context, apikey.Key) error
	TouchKey(ctx context.Context, projectID, keyID string, at time.Time, minInterval time.Duration) error
	Bootstrap(context.Context, user.User, apikey.Key) error

	CreateSession(context.Context, credential.Session) error
	GetSession(ctx context.Context, projectID, id string) (credential.Session, error)
	ListSessions(ctx context.Context, projectID, owner string, kind credential.Kind, p store.Page) ([]credential.Session, string, error)
	RevokeSession(ctx context.Context, projectID, id string, at time.Time) error
	RevokeTokensBefore(ctx context.Context, projectID, id string, at time.Time) error
	CreateFamily(context.Context, refresh.Family, refresh.Token) error
	GetFamily(ctx context.Context, projectID, familyID string) (refresh.Family, error)
	ListFamilies(ctx context.Context, projectID, owner string, p store.Page) ([]refresh.Family, string, error)
	RevokeFamily(ctx context.Context, projectID, familyID string, at time.Time) error
	GetRefreshToken(ctx context.Context, projectID string, h secret.Hash) (refresh.Token, error)
	RotateRefreshToken(ctx context.Context, spent, successor refresh.Token, dpopKey string) error
	CreateClient(context.Context, credential.Client) error
	GetClient(ctx context.Context, projectID, clientID string) (credential.Client, error)
	ListClients(ctx context.Context, projectID, owner string, p store.Page) ([]credential.Client, string, error)
	UpdateClientSecret(context.Context, credential.Client) error
	UpdateClient(context.Context, credential.Client) error
	ReserveAttempt(ctx context.Context, projectID, key string, windowStart time.Time, window time.Duration, limit int) error
	ReleaseAttempt(ctx context.Context, projectID, key string, windowStart time.Time) error
	Failures(ctx context.Context, projectID, key string, windowStart time.Time) (int, error)
	CreateSAS(context.Context, sas.Sealed) error
	GetSAS(ctx context.Context, projectID, identifier string) (sas.Sealed, error)
	GetSASByOwner(ctx context.Context, projectID, owner string) (sas.Sealed, error)
	UpdateSAS(context.Context, sas.Sealed) error
	RecordAssertion(ctx context.Context, projectID, issuer, jti string, expires time.Time) error
	BindCertificate(context.Context, certbind.Binding) error
	BindCertificateProved(ctx context.Context, b certbind.Binding, issuer, jti string, expires time.Time) error
	GetCertificate(ctx context.Context, projectID, thumbprint string) (certbind.Binding, error)
	GetCertificateByOwner(ctx context.Context, projectID, owner string) (certbind.Binding, error)
	UnbindCertificate(context.Context, certbind.Binding) error
	ListAudit(ctx context.Context, projectID, targetID string, since, now time.Time, p store.Page) ([]audit.Record, string, error)
	sweep.Store // the expiry index
	meter.Store // rate-limit and quota leases
	AddUsage(ctx context.Context, projectID, credentialID string, hour time.Time, authorized, refused int64) error
	ListUsage(ctx context.Context, projectID, credentialID string, since time.Time) ([]meter.Usage, error)
	RecordMeterEvent(ctx context.Context, projectID string, e meter.Event) (bool, error)
}

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

func newUser(project, name string, at time.Time) user.User {
	return user.User{ProjectID: project, ID: id.New("usr"), Username: name, Roles: []string{user.RoleCredentialIssuer},
		Scopes: scope.Set{"credentials:read", "echo:read"}, CreatedAt: at}
}

func newKey(t *testing.T, project, owner string, at time.Time, scopes scope.Set) (apikey.Key, string) {
	t.Helper()
	exp := at.Add(apikey.DefaultLifetime)
	k, tok, err := apikey.New(project, owner, "ci key", scopes, at, &exp, "")
	if err != nil {
		t.Fatal(err)
	}
	return k, tok
}

// createdKey stores a new key of usr_a and returns it as stored.
func createdKey(t *testing.T, s Store, p string) apikey.Key {
	t.Helper()
	k, _ := newKey(t, p, "usr_a", t0, nil)
	must(t, s.CreateKey(context.Background(), k))
	k.Version = 1
	return k
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

// race runs try(0) to try(n-1) at once and returns how many succeeded; an
// error other than ErrConflict fails the test.
func race(t *testing.T, n int, try func(i int) error) int {
	var wg sync.WaitGroup
	var wins atomic.Int64
	for i := range n {
		wg.Go(func() {
			if err := try(i); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, store.ErrConflict) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	return int(wins.Load())
}

// allPages reads every page of list, limit items a page, following the
// cursors, and returns the items and how many pages there were.
func allPages[T any](t *testing.T, limit int, list func(store.Page) ([]T, string, error)) ([]T, int) {
	t.Helper()
	var all []T
	page := store.Page{Limit: limit}
	for pages := 1; pages <= 100; pages++ {
		got, next, err := list(page)
		must(t, err)
		all = append(all, got...)
		if next == "" {
			return all, pages
		}
		page.Cursor = next
	}
	t.Fatal("no last page after 100 pages")
	return nil, 0
}

// Each runs f against a new in-memory store and against a store over a new
// table in DynamoDB Local (its test binary's TestMain runs localtest.Main).
func Each(t *testing.T, f func(t *testing.T, s Store)) {
	t.Run("memory", func(t *testing.T) { f(t, memory.New()) })
	t.Run("dynamodb", func(t *testing.T) { f(t, dynamo.New(localtest.NewTable(t))) })
}

// Run runs the contract against stores made by newStore (each test gets a
// fresh project, so one table may serve every test).
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s Store, project string)
	}{
		{"UserLifecycle", userLifecycle},
		{"UsernameUnique", usernameUnique},
		{"ListUsersPages", listUsersPages},
		{"KeyLifecycle", keyLifecycle},
		{"KeyScopesInheritVersusEmpty", keyScopes},
		{"ListKeysPages", listKeysPages},
		{"BadCursor", badCursor},
		{"RotateOnce", rotateOnce},
		{"RotateRace", rotateRace},
		{"DeleteTwice", deleteTwice},
		{"UpdateDeletedKey", updateDeletedKey},
		{"TouchAtMostOncePerInterval", touch},
		{"BootstrapOnce", bootstrapOnce},
		{"ProjectsIsolated", projectsIsolated},
		{"SessionLifecycle", sessionLifecycle},
		{"FamilyRotation", familyRotation},
		{"FamilyBinding", familyBinding},
		{"RotationRacesRevoke", rotationRacesRevoke},
		{"ClientSecretRotation", clientSecretRotation},
		{"FailureCounts", failureCounts},
		{"AttemptReservationRace", attemptRace},
		{"SASCredential", sasCredential},
		{"AssertionReplay", assertionReplay},
		{"CertificateBinding", certificateBinding},
		{"ProvedBinding", provedBinding},
		{"CertificateUniquenessRace", certificateRace},
		{"AuditWithChange", auditWithChange},
		{"AuditList", auditList},
		{"ExpiryPage", expiryPage},
		{"ExpiryPages", expiryPages},
		{"MarkExpired", markExpired},
		{"MarkNotified", markNotified},
		{"SweepCursor", sweepCursor},
		{"ConcurrentUserUpdates", userUpdatesRace},
		{"ConcurrentKeyUpdates", keyUpdatesRace},
		{"ConcurrentClientRotations", clientRotationsRace},
		{"ConcurrentSASUpdates", sasUpdatesRace},
		{"DeleteRacesUpdates", deleteRacesUpdates},
		{"KeyLimits", keyLimits},
		{"KeyLimitsRotated", keyLimitsRotated},
		{"ClientLimits", clientLimits},
		{"UserRateLimit", userRateLimit},
		{"RateLeases", rateLeases},
		{"QuotaLeases", quotaLeases},
		{"UsageCounts", usageCounts},
		{"MeterEventsOnce", meterEventsOnce},
		{"MeterEventsList", meterEventsList},
		{"ForwardCursor", forwardCursor},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t), id.New("prj"))
		})
	}
}

func userLifecycle(t *testing.T, s Store, p string) {
	ctx := context.Background()
	u := newUser(p, "alice", t0)
	u.PasswordHash = "$argon2id$test"
	must(t, s.CreateUser(ctx, u))
	got, err := s.GetUser(ctx, p, u.ID)
	must(t, err)
	if byName, err := s.GetUserByUsername(ctx, p, "ALICE"); err != nil || byName.ID != u.ID || byName.PasswordHash != u.PasswordHash {
		t.Fatalf("GetUserByUsername = %+v, %v", byName, err)
	}
	if _, err := s.GetUserByUsername(ctx, p+"x", "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("username found across projects: %v", err)
	}
	if got.Username != "alice" || !got.CreatedAt.Equal(t0) || len(got.Scopes) != 2 || got.Disabled || got.Version != 1 {
		t.Fatalf("GetUser = %+v", got)
	}
	u = got
	u.Scopes, u.Disabled, u.Roles = scope.Set{}, true, []string{}
	must(t, s.UpdateUser(ctx, u))
	wantErr(t, s.UpdateUser(ctx, u), store.ErrConflict) // u.Version is stale now
	wantErr(t, s.DeleteUser(ctx, u), store.ErrConflict)
	got, _ = s.GetUser(ctx, p, u.ID)
	if !got.Disabled || len(got.Scopes) != 0 || len(got.Roles) != 0 || got.Version != 2 {
		t.Fatalf("after update = %+v", got)
	}
	u = got
	must(t, s.DeleteUser(ctx, u))
	_, err = s.GetUser(ctx, p, u.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteUser(ctx, u), store.ErrNotFound)
	wantErr(t, s.UpdateUser(ctx, u), store.ErrNotFound)
	// The username is free again.
	must(t, s.CreateUser(ctx, newUser(p, "alice", t0)))
}

func usernameUnique(t *testing.T, s Store, p string) {
	ctx := context.Background()
	must(t, s.CreateUser(ctx, newUser(p, "bob", t0)))
	wantErr(t, s.CreateUser(ctx, newUser(p, "bob", t0)), store.ErrConflict)
	wantErr(t, s.CreateUser(ctx, newUser(p, "Bob", t0)), store.ErrConflict)
	users, _, err := s.ListUsers(ctx, p, store.Page{Limit: 10})
	must(t, err)
	if len(users) != 1 {
		t.Fatalf("a failed create wrote something: %d users", len(users))
	}
}

func listUsersPages(t *testing.T, s Store, p string) {
	ctx := context.Background()
	for i := range 5 {
		must(t, s.CreateUser(ctx, newUser(p, fmt.Sprintf("u%d", i), t0.Add(time.Duration(i)*time.Second))))
	}
	users, pages := allPages(t, 2, func(page store.Page) ([]user.User, string, error) { return s.ListUsers(ctx, p, page) })
	if pages != 3 {
		t.Fatalf("%d pages, want 3", pages)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Username)
	}
	if fmt.Sprint(names) != "[u4 u3 u2 u1 u0]" {
		t.Fatalf("listed %v, want newest first", names)
	}
}

func keyLifecycle(t *testing.T, s Store, p string) {
	ctx := context.Background()
	k, tok := newKey(t, p, "usr_owner", t0, scope.Set{"echo:read"})
	must(t, s.CreateKey(ctx, k))
	wantErr(t, s.CreateKey(ctx, k), store.ErrConflict)

	got, err := s.GetKey(ctx, p, k.ID)
	must(t, err)
	byHash, err := s.GetKeyByHash(ctx, p, secret.Sum(tok))
	must(t, err)
	for _, g := range []apikey.Key{got, byHash} {
		if g.Version != 1 || g.ID != k.ID || g.Hash != k.Hash || g.Owner != k.Owner || g.Status != apikey.Active ||
			!g.ExpiresAt.Equal(*k.ExpiresAt) || !g.CreatedAt.Equal(t0) || g.Scopes.String() != "echo:read" || g.LastUsedAt != nil {
			t.Fatalf("read back %+v, want %+v", g, k)
		}
	}
	k = got
	k.Status, k.Name = apikey.Inactive, "renamed"
	must(t, s.UpdateKey(ctx, k))
	wantErr(t, s.UpdateKey(ctx, k), store.ErrConflict) // k.Version is stale now
	wantErr(t, s.DeleteKey(ctx, k), store.ErrConflict)
	byHash, _ = s.GetKeyByHash(ctx, p, k.Hash)
	got, _ = s.GetKey(ctx, p, k.ID)
	if byHash.Status != apikey.Inactive || got.Status != apikey.Inactive || got.Name != "renamed" || got.Version != 2 || byHash.Version != 2 {
		t.Fatalf("update not seen on both reads: %+v %+v", got, byHash)
	}
	must(t, s.DeleteKey(ctx, got))
	_, err = s.GetKey(ctx, p, k.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetKeyByHash(ctx, p, k.Hash)
	wantErr(t, err, store.ErrNotFound)
}

func keyScopes(t *testing.T, s Store, p string) {
	ctx := context.Background()
	inherit, _ := newKey(t, p, "usr_owner", t0, nil)
	none, _ := newKey(t, p, "usr_owner", t0, scope.Set{})
	never, _ := newKey(t, p, "usr_owner", t0, nil)
	never.ExpiresAt = nil
	for _, k := range []apikey.Key{inherit, none, never} {
		must(t, s.CreateKey(ctx, k))
	}
	g1, _ := s.GetKey(ctx, p, inherit.ID)
	g2, _ := s.GetKeyByHash(ctx, p, none.Hash)
	g3, _ := s.GetKey(ctx, p, never.ID)
	if g1.Scopes != nil || g2.Scopes == nil || len(g2.Scopes) != 0 || g3.ExpiresAt != nil {
		t.Fatalf("inherit=%#v none=%#v never=%v", g1.Scopes, g2.Scopes, g3.ExpiresAt)
	}
}

func listKeysPages(t *testing.T, s Store, p string) {
	ctx := context.Background()
	var want []string
	for i := range 5 {
		k, _ := newKey(t, p, "usr_a", t0.Add(time.Duration(i)*time.Minute), nil)
		must(t, s.CreateKey(ctx, k))
		want = append([]string{k.ID}, want...)
	}
	other, _ := newKey(t, p, "usr_b", t0, nil)
	must(t, s.CreateKey(ctx, other))
	keys, _ := allPages(t, 2, func(page store.Page) ([]apikey.Key, string, error) { return s.ListKeys(ctx, p, "usr_a", page) })
	var got []string
	for _, k := range keys {
		got = append(got, k.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	page, next, err := s.ListKeys(ctx, p, "usr_a", store.Page{Limit: 5})
	must(t, err)
	if len(page) != 5 || next != "" {
		t.Fatalf("exact page: %d items, next %q", len(page), next)
	}
}

func badCursor(t *testing.T, s Store, p string) {
	ctx := context.Background()
	for _, c := range []string{"!!!", base64.RawURLEncoding.EncodeToString([]byte("not a cursor"))} {
		_, _, err := s.ListKeys(ctx, p, "usr_a", store.Page{Limit: 2, Cursor: c})
		wantErr(t, err, store.ErrBadCursor)
		_, _, err = s.ListUsers(ctx, p, store.Page{Limit: 2, Cursor: c})
		wantErr(t, err, store.ErrBadCursor)
	}
}

func rotateOnce(t *testing.T, s Store, p string) {
	ctx := context.Background()
	k := createdKey(t, s, p)
	ended, next, tok, err := apikey.Rotate(k, t0.Add(time.Hour), time.Hour, "")
	must(t, err)
	must(t, s.RotateKey(ctx, ended, next))
	old, _ := s.GetKeyByHash(ctx, p, k.Hash)
	if old.RotatedTo != next.ID || !old.ExpiresAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("old after rotate: %+v", old)
	}
	if got, err := s.GetKeyByHash(ctx, p, secret.Sum(tok)); err != nil || got.ID != next.ID {
		t.Fatalf("successor by hash: %v %v", got.ID, err)
	}
	_, again, _, _ := apikey.Rotate(k, t0.Add(time.Hour), time.Hour, "") // from the stale read
	stale := k
	stale.RotatedTo, stale.ExpiresAt = again.ID, ended.ExpiresAt
	wantErr(t, s.RotateKey(ctx, stale, again), store.ErrConflict)
	if _, err := s.GetKey(ctx, p, again.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a failed rotation stored its successor")
	}
}

func rotateRace(t *testing.T, s Store, p string) {
	ctx := context.Background()
	k := createdKey(t, s, p)
	wins := race(t, 8, func(int) error {
		ended, next, _, err := apikey.Rotate(k, t0, time.Hour, "")
		if err != nil {
			return err
		}
		return s.RotateKey(ctx, ended, next)
	})
	keys, _, err := s.ListKeys(ctx, p, "usr_a", store.Page{Limit: 100})
	must(t, err)
	if wins != 1 || len(keys) != 2 {
		t.Fatalf("%d rotations won, %d keys; want exactly one successor", wins, len(keys))
	}
}

func deleteTwice(t *testing.T, s Store, p string) {
	ctx := context.Background()
	k := createdKey(t, s, p)
	must(t, s.DeleteKey(ctx, k))
	wantErr(t, s.DeleteKey(ctx, k), store.ErrNotFound)
}

func updateDeletedKey(t *testing.T, s Store, p string) {
	ctx := context.Background()
	k := createdKey(t, s, p)
	must(t, s.DeleteKey(ctx, k))
	k.Status = apikey.Active
	wantErr(t, s.UpdateKey(ctx, k), store.ErrNotFound)
	if _, err := s.GetKeyByHash(ctx, p, k.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("an update resurrected a deleted key")
	}
	ended, next, _, _ := apikey.Rotate(k, t0, time.Hour, "")
	wantErr(t, s.RotateKey(ctx, ended, next), store.ErrNotFound)
}

func touch(t *testing.T, s Store, p string) {
	ctx := context.Background()
	k, _ := newKey(t, p, "usr_a", t0, nil)
	must(t, s.CreateKey(ctx, k))
	steps := []struct {
		at   time.Time
		want time.Time
	}{
		{t0.Add(time.Second), t0.Add(time.Second)},
		{t0.Add(30 * time.Second), t0.Add(time.Second)},
		{t0.Add(62 * time.Second), t0.Add(62 * time.Second)},
	}
	for _, st := range steps {
		must(t, s.TouchKey(ctx, p, k.ID, st.at, time.Minute))
		got, _ := s.GetKey(ctx, p, k.ID)
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(st.want) {
			t.Fatalf("touch at %v: lastUsedAt %v, want %v", st.at, got.LastUsedAt, st.want)
		}
	}
	must(t, s.TouchKey(ctx, p, "key_missing", t0, time.Minute))
	if _, err := s.GetKey(ctx, p, "key_missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("touch created a key")
	}
}

func bootstrapOnce(t *testing.T, s Store, p string) {
	ctx := context.Background()
	u := newUser(p, "admin", t0)
	k, _ := newKey(t, p, u.ID, t0, nil)
	must(t, s.Bootstrap(ctx, u, k))
	u2 := newUser(p, "admin2", t0)
	k2, _ := newKey(t, p, u2.ID, t0, nil)
	wantErr(t, s.Bootstrap(ctx, u2, k2), store.ErrConflict)
	if _, err := s.GetUser(ctx, p, u2.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a second bootstrap wrote a user")
	}
}

func projectsIsolated(t *testing.T, s Store, p string) {
	ctx := context.Background()
	other := p + "x"
	u := newUser(p, "carol", t0)
	must(t, s.CreateUser(ctx, u))
	k, tok := newKey(t, p, u.ID, t0, nil)
	must(t, s.CreateKey(ctx, k))
	if _, err := s.GetUser(ctx, other, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("user visible from another project")
	}
	if _, err := s.GetKey(ctx, other, k.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("key visible from another project")
	}
	if _, err := s.GetKeyByHash(ctx, other, secret.Sum(tok)); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("key hash visible from another project")
	}
	if keys, _, _ := s.ListKeys(ctx, other, u.ID, store.Page{Limit: 10}); len(keys) != 0 {
		t.Fatal("keys listed from another project")
	}
	if users, _, _ := s.ListUsers(ctx, other, store.Page{Limit: 10}); len(users) != 0 {
		t.Fatal("users listed from another project")
	}
	// Same username in another project is a different user.
	must(t, s.CreateUser(ctx, newUser(other, "carol", t0)))
}

func sessionLifecycle(t *testing.T, s Store, p string) {
	ctx := context.Background()
	exp := t0.Add(time.Hour)
	sess := credential.Session{ProjectID: p, ID: id.New("jwt"), Kind: credential.KindJWT, Owner: "usr_a", Name: "n",
		Scopes: scope.Set{"echo:read"}, Status: credential.Active, CreatedAt: t0, ExpiresAt: &exp, NotBefore: t0}
	must(t, s.CreateSession(ctx, sess))
	wantErr(t, s.CreateSession(ctx, sess), store.ErrConflict)
	got, err := s.GetSession(ctx, p, sess.ID)
	must(t, err)
	if got.Kind != credential.KindJWT || got.Owner != "usr_a" || got.Scopes.String() != "echo:read" || !got.ExpiresAt.Equal(exp) ||
		!got.NotBefore.Equal(t0) || got.Status != credential.Active {
		t.Fatalf("GetSession = %+v", got)
	}
	list, _, err := s.ListSessions(ctx, p, "usr_a", credential.KindJWT, store.Page{Limit: 10})
	must(t, err)
	other, _, _ := s.ListSessions(ctx, p, "usr_a", credential.KindClient, store.Page{Limit: 10})
	if len(list) != 1 || len(other) != 0 {
		t.Fatalf("listed %d jwt, %d client sessions", len(list), len(other))
	}
	must(t, s.RevokeTokensBefore(ctx, p, sess.ID, t0.Add(time.Minute)))
	must(t, s.RevokeTokensBefore(ctx, p, sess.ID, t0)) // never moves back
	must(t, s.RevokeSession(ctx, p, sess.ID, t0))
	wantErr(t, s.RevokeSession(ctx, p, sess.ID, t0), store.ErrNotFound)
	got, _ = s.GetSession(ctx, p, sess.ID)
	if got.Status != credential.Revoked || !got.NotBefore.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after revoke: %+v", got)
	}
	_, err = s.GetSession(ctx, p+"x", sess.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.RevokeTokensBefore(ctx, p, "jwt_missing", t0), store.ErrNotFound)
}

func newFamily(t *testing.T, p string) (refresh.Family, refresh.Token) {
	t.Helper()
	f, first, _, err := refresh.NewFamily(p, "usr_a", "cli", nil, t0, t0.Add(refresh.DefaultLifetime), refresh.DefaultAccessTokenTTL, "")
	if err != nil {
		t.Fatal(err)
	}
	return f, first
}

func successorOf(t *testing.T, tok refresh.Token) (spent, next refresh.Token) {
	t.Helper()
	succ, err := secret.Generate("", secret.PrefixRefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	spent = tok
	spent.Spent, spent.SpentAt, spent.Successor = true, t0.Add(time.Second), []byte("sealed")
	next = refresh.Token{ProjectID: tok.ProjectID, Hash: secret.Sum(succ), FamilyID: tok.FamilyID, Generation: tok.Generation + 1, ExpiresAt: tok.ExpiresAt}
	return spent, next
}

func familyRotation(t *testing.T, s Store, p string) {
	ctx := context.Background()
	f, first := newFamily(t, p)
	must(t, s.CreateFamily(ctx, f, first))
	gotF, err := s.GetFamily(ctx, p, f.ID)
	must(t, err)
	if gotF.AccessTokenTTL != refresh.DefaultAccessTokenTTL || gotF.Scopes != nil || gotF.Kind != credential.KindRefresh {
		t.Fatalf("GetFamily = %+v", gotF)
	}
	if fams, _, err := s.ListFamilies(ctx, p, "usr_a", store.Page{Limit: 10}); err != nil || len(fams) != 1 || fams[0].AccessTokenTTL != refresh.DefaultAccessTokenTTL {
		t.Fatalf("ListFamilies = %+v, %v", fams, err)
	}
	spent, next := successorOf(t, first)
	must(t, s.RotateRefreshToken(ctx, spent, next, ""))
	gotT, err := s.GetRefreshToken(ctx, p, first.Hash)
	must(t, err)
	if !gotT.Spent || !gotT.SpentAt.Equal(t0.Add(time.Second)) || string(gotT.Successor) != "sealed" || !gotT.ExpiresAt.Equal(first.ExpiresAt) {
		t.Fatalf("spent token = %+v", gotT)
	}
	gotN, err := s.GetRefreshToken(ctx, p, next.Hash)
	must(t, err)
	if gotN.Spent || gotN.Generation != 1 || gotN.FamilyID != f.ID {
		t.Fatalf("successor = %+v", gotN)
	}
	_, again := successorOf(t, first)
	wantErr(t, s.RotateRefreshToken(ctx, spent, again, ""), store.ErrConflict)
	if _, err := s.GetRefreshToken(ctx, p, again.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a failed rotation stored a second successor")
	}
	if _, err := s.GetFamily(ctx, p, "rtf_missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
}

// familyBinding: a rotation binds an unbound family to a DPoP key, keeps a
// bound one bound to it, and refuses (writing nothing) one that would
// change or drop the binding.
func familyBinding(t *testing.T, s Store, p string) {
	ctx := context.Background()
	const k1, k2 = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	f, first := newFamily(t, p)
	must(t, s.CreateFamily(ctx, f, first))
	bound := func(want string) {
		t.Helper()
		got, err := s.GetFamily(ctx, p, f.ID)
		must(t, err)
		if got.DPoPKey != want {
			t.Fatalf("family bound to %q, want %q", got.DPoPKey, want)
		}
	}
	bound("")
	spent, next := successorOf(t, first)
	must(t, s.RotateRefreshToken(ctx, spent, next, k1))
	bound(k1)
	for _, key := range []string{"", k2} {
		spent2, other := successorOf(t, next)
		wantErr(t, s.RotateRefreshToken(ctx, spent2, other, key), store.ErrConflict)
		if got, err := s.GetRefreshToken(ctx, p, next.Hash); err != nil || got.Spent {
			t.Fatalf("a refused rotation spent the token: %+v, %v", got, err)
		}
		bound(k1)
	}
	spent3, third := successorOf(t, next)
	must(t, s.RotateRefreshToken(ctx, spent3, third, k1))
	bound(k1)
}

func rotationRacesRevoke(t *testing.T, s Store, p string) {
	ctx := context.Background()
	f, first := newFamily(t, p)
	must(t, s.CreateFamily(ctx, f, first))
	must(t, s.RevokeFamily(ctx, p, f.ID, t0))
	spent, next := successorOf(t, first)
	wantErr(t, s.RotateRefreshToken(ctx, spent, next, ""), store.ErrConflict)
	if _, err := s.GetRefreshToken(ctx, p, next.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a revoked family got a successor")
	}
	wantErr(t, s.RevokeFamily(ctx, p, f.ID, t0), store.ErrNotFound)
}

func clientSecretRotation(t *testing.T, s Store, p string) {
	ctx := context.Background()
	c, sec, err := credential.NewClient(p, "usr_a", "svc", scope.Set{"echo:read"}, t0, "")
	must(t, err)
	must(t, s.CreateClient(ctx, c))
	got, err := s.GetClient(ctx, p, c.ID)
	must(t, err)
	if !got.Verify(sec, t0) || got.SecretHint != c.SecretHint || got.Scopes.String() != "echo:read" {
		t.Fatalf("GetClient = %+v", got)
	}
	wins := race(t, 5, func(int) error {
		rotated, _, err := got.RotateSecret(t0, time.Hour, "")
		if err != nil {
			return err
		}
		return s.UpdateClientSecret(ctx, rotated)
	})
	if wins != 1 {
		t.Fatalf("%d rotations won, want 1", wins)
	}
	after, _ := s.GetClient(ctx, p, c.ID)
	if !after.Verify(sec, t0.Add(59*time.Minute)) || after.Verify(sec, t0.Add(time.Hour)) {
		t.Fatal("the previous secret's grace period is wrong")
	}
	list, _, err := s.ListClients(ctx, p, "usr_a", store.Page{Limit: 10})
	must(t, err)
	if len(list) != 1 || list[0].ID != c.ID || list[0].SecretHint != after.SecretHint || !list[0].Verify(sec, t0) {
		t.Fatalf("ListClients = %+v", list)
	}
	if _, err := s.GetClient(ctx, p, "cli_missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	// Both secrets find the client by hash (the leak response's lookup).
	for _, h := range []secret.Hash{c.SecretHash, after.SecretHash} {
		if byHash, err := s.GetClientBySecret(ctx, p, h); err != nil || byHash.ID != c.ID || byHash.SecretHash != after.SecretHash {
			t.Fatalf("GetClientBySecret = %+v, %v", byHash, err)
		}
	}
	if _, err := s.GetClientBySecret(ctx, p, secret.Sum("tgc_unknown")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetClientBySecret(unknown) = %v", err)
	}
}

func sasCredential(t *testing.T, s Store, p string) {
	ctx := context.Background()
	c := sas.Sealed{ProjectID: p, Identifier: "53d7e14aee681a0034030003", Owner: "usr_a", Enabled: true, Keys: []byte("sealed"), CreatedAt: t0}
	must(t, s.CreateSAS(ctx, c))
	other := c
	other.Identifier = "53d7e14aee681a0034030004"
	wantErr(t, s.CreateSAS(ctx, other), store.ErrConflict) // one per user
	taken := c
	taken.Owner = "usr_b"
	wantErr(t, s.CreateSAS(ctx, taken), store.ErrConflict) // identifiers are unique
	byID, err := s.GetSAS(ctx, p, c.Identifier)
	must(t, err)
	byOwner, err := s.GetSASByOwner(ctx, p, "usr_a")
	must(t, err)
	for _, got := range []sas.Sealed{byID, byOwner} {
		if got.Version != 1 || got.Owner != "usr_a" || !got.Enabled || string(got.Keys) != "sealed" || !got.CreatedAt.Equal(t0) {
			t.Fatalf("read back %+v", got)
		}
	}
	c = byOwner
	c.Enabled, c.Keys = false, []byte("resealed")
	must(t, s.UpdateSAS(ctx, c))
	wantErr(t, s.UpdateSAS(ctx, c), store.ErrConflict) // c.Version is stale now
	byID, _ = s.GetSAS(ctx, p, c.Identifier)
	byOwner, _ = s.GetSASByOwner(ctx, p, "usr_a")
	if byID.Enabled || byOwner.Enabled || string(byID.Keys) != "resealed" || string(byOwner.Keys) != "resealed" || byID.Version != 2 {
		t.Fatal("update not seen on both reads")
	}
	wantErr(t, s.UpdateSAS(ctx, other), store.ErrNotFound)
	if _, err := s.GetSAS(ctx, p+"x", c.Identifier); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("SAS credential visible from another project")
	}
	if _, err := s.GetSASByOwner(ctx, p, "usr_b"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
}

func assertionReplay(t *testing.T, s Store, p string) {
	ctx := context.Background()
	must(t, s.RecordAssertion(ctx, p, "usr_a", "j1", t0.Add(time.Minute)))
	wantErr(t, s.RecordAssertion(ctx, p, "usr_a", "j1", t0.Add(time.Minute)), store.ErrConflict)
	must(t, s.RecordAssertion(ctx, p, "usr_b", "j1", t0.Add(time.Minute))) // jti is per issuer
	must(t, s.RecordAssertion(ctx, p+"x", "usr_a", "j1", t0.Add(time.Minute)))
}

func binding(p, owner, thumbprint string) certbind.Binding {
	return certbind.Binding{ProjectID: p, Owner: owner, CreatedAt: t0, Certificate: certbind.Certificate{
		Thumbprint: thumbprint, ThumbprintSHA1: "AA", X5tS256: "x5t", Subject: "CN=a", Issuer: "CN=a",
		NotBefore: t0, NotAfter: t0.Add(time.Hour), DER: []byte("der"),
	}}
}

func certificateBinding(t *testing.T, s Store, p string) {
	ctx := context.Background()
	b := binding(p, "usr_a", "AB01")
	must(t, s.BindCertificate(ctx, b))
	wantErr(t, s.BindCertificate(ctx, binding(p, "usr_a", "AB02")), store.ErrConflict) // one per user
	wantErr(t, s.BindCertificate(ctx, binding(p, "usr_b", "AB01")), store.ErrConflict) // one user per certificate
	byT, err := s.GetCertificate(ctx, p, "AB01")
	must(t, err)
	byO, err := s.GetCertificateByOwner(ctx, p, "usr_a")
	must(t, err)
	for _, got := range []certbind.Binding{byT, byO} {
		if got.Owner != "usr_a" || got.X5tS256 != "x5t" || string(got.DER) != "der" || !got.NotAfter.Equal(t0.Add(time.Hour)) {
			t.Fatalf("read back %+v", got)
		}
	}
	if _, err := s.GetCertificate(ctx, p, "AB02"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a refused binding was written")
	}
	if _, err := s.GetCertificate(ctx, p+"x", "AB01"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("binding visible from another project")
	}
	must(t, s.UnbindCertificate(ctx, b))
	wantErr(t, s.UnbindCertificate(ctx, b), store.ErrNotFound)
	if _, err := s.GetCertificate(ctx, p, "AB01"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("unbound certificate still found")
	}
	must(t, s.BindCertificate(ctx, binding(p, "usr_b", "AB01"))) // free again
}

// provedBinding: a binding with a proof's jti writes both or neither; the
// jti is the assertions' one-time record.
func provedBinding(t *testing.T, s Store, p string) {
	ctx := context.Background()
	exp := t0.Add(time.Minute)
	must(t, s.BindCertificateProved(ctx, binding(p, "usr_a", "EF01"), "proof/usr_a", "j1", exp))
	// A refused binding spends no jti.
	wantErr(t, s.BindCertificateProved(ctx, binding(p, "usr_b", "EF01"), "proof/usr_b", "j2", exp), store.ErrConflict)
	// A replayed jti binds nothing.
	wantErr(t, s.BindCertificateProved(ctx, binding(p, "usr_a2", "EF02"), "proof/usr_a", "j1", exp), store.ErrReplay)
	if _, err := s.GetCertificate(ctx, p, "EF02"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a binding with a replayed proof was written")
	}
	wantErr(t, s.RecordAssertion(ctx, p, "proof/usr_a", "j1", exp), store.ErrConflict) // the same record
	must(t, s.BindCertificateProved(ctx, binding(p, "usr_b", "EF03"), "proof/usr_b", "j2", exp))
}

// certificateRace: one certificate uploaded for two users at once binds to
// exactly one of them.
func certificateRace(t *testing.T, s Store, p string) {
	ctx := context.Background()
	for round := range 5 {
		thumb := fmt.Sprintf("CD%02d", round)
		owners := []string{"usr_a" + thumb, "usr_b" + thumb}
		wins := race(t, len(owners), func(i int) error { return s.BindCertificate(ctx, binding(p, owners[i], thumb)) })
		if wins != 1 {
			t.Fatalf("round %d: %d bindings won", round, wins)
		}
	}
}

func auditCtx(p, action, targetID string, at time.Time) context.Context {
	return audit.With(context.Background(), audit.New(p, "usr_admin", action, audit.Credential(credential.TypeAPIKey, targetID), "203.0.113.9", "req-1", at))
}

// auditWithChange: a change writes the record its context carries; a
// refused change writes none, and neither do writes that are not changes.
func auditWithChange(t *testing.T, s Store, p string) {
	u := newUser(p, "auditee", t0)
	must(t, s.CreateUser(auditCtx(p, audit.UserCreate, u.ID, t0), u))
	wantErr(t, s.CreateUser(auditCtx(p, audit.UserCreate, u.ID, t0.Add(time.Second)), u), store.ErrConflict)
	u.Disabled, u.Version = true, 1
	must(t, s.UpdateUser(auditCtx(p, audit.UserUpdate, u.ID, t0.Add(2*time.Second)), u))
	ghost := newUser(p, "ghost", t0)
	wantErr(t, s.UpdateUser(auditCtx(p, audit.UserUpdate, ghost.ID, t0.Add(3*time.Second)), ghost), store.ErrNotFound)

	k, _ := newKey(t, p, u.ID, t0, nil)
	must(t, s.CreateKey(auditCtx(p, audit.KeyCreate, k.ID, t0.Add(4*time.Second)), k))
	k.Version = 1
	must(t, s.TouchKey(auditCtx(p, "key.touch", k.ID, t0.Add(5*time.Second)), p, k.ID, t0, time.Minute))
	must(t, s.DeleteKey(auditCtx(p, audit.KeyRevoke, k.ID, t0.Add(6*time.Second)), k))
	wantErr(t, s.DeleteKey(auditCtx(p, audit.KeyRevoke, k.ID, t0.Add(7*time.Second)), k), store.ErrNotFound)

	exp := t0.Add(time.Hour)
	sess := credential.Session{ProjectID: p, ID: id.New("jwt"), Kind: credential.KindJWT, Owner: u.ID, Name: "n",
		Status: credential.Active, CreatedAt: t0, ExpiresAt: &exp, NotBefore: t0}
	must(t, s.CreateSession(context.Background(), sess)) // no record: none written
	must(t, s.RevokeSession(auditCtx(p, audit.JWTRevoke, sess.ID, t0.Add(8*time.Second)), p, sess.ID, t0))
	wantErr(t, s.RevokeSession(auditCtx(p, audit.JWTRevoke, sess.ID, t0.Add(9*time.Second)), p, sess.ID, t0), store.ErrNotFound)
	// A template (no action) is not written.
	tmpl := audit.With(context.Background(), audit.Record{ProjectID: p, Actor: "x"})
	must(t, s.CreateSession(tmpl, credential.Session{ProjectID: p, ID: id.New("jwt"), Kind: credential.KindJWT, Owner: u.ID,
		Name: "n", Status: credential.Active, CreatedAt: t0, NotBefore: t0}))

	got, next, err := s.ListAudit(context.Background(), p, "", t0.Add(-time.Hour), t0.Add(time.Hour), store.Page{Limit: 100})
	must(t, err)
	var actions []string
	for _, r := range got {
		actions = append(actions, r.Action)
	}
	want := []string{audit.JWTRevoke, audit.KeyRevoke, audit.KeyCreate, audit.UserUpdate, audit.UserCreate}
	if fmt.Sprint(actions) != fmt.Sprint(want) || next != "" {
		t.Fatalf("audit = %v (next %q), want %v", actions, next, want)
	}
	r := got[4]
	if r.ProjectID != p || r.Actor != "usr_admin" || r.TargetID != u.ID || r.TargetType != string(credential.TypeAPIKey) ||
		r.SourceIP != "203.0.113.9" || r.RequestID != "req-1" || !r.Time.Equal(t0) || r.ID == "" {
		t.Fatalf("record = %+v", r)
	}
}

// auditList: newest first, by target, since, in pages, across days.
func auditList(t *testing.T, s Store, p string) {
	ctx := context.Background()
	now := t0.Add(72 * time.Hour)
	var users []user.User
	for i := range 7 {
		at := t0.Add(time.Duration(i) * 10 * time.Hour) // spans four days
		u := newUser(p, fmt.Sprintf("u%d", i), at)
		target := "usr_even"
		if i%2 == 1 {
			target = "usr_odd"
		}
		must(t, s.CreateUser(auditCtx(p, audit.UserCreate, target, at), u))
		users = append(users, u)
	}
	times := func(rs []audit.Record) []int {
		var out []int
		for _, r := range rs {
			out = append(out, int(r.Time.Sub(t0)/(10*time.Hour)))
		}
		return out
	}
	all, next, err := s.ListAudit(ctx, p, "", time.Time{}, now, store.Page{Limit: 100})
	must(t, err)
	if fmt.Sprint(times(all)) != "[6 5 4 3 2 1 0]" || next != "" {
		t.Fatalf("all = %v, next %q", times(all), next)
	}
	paged, _ := allPages(t, 3, func(page store.Page) ([]audit.Record, string, error) {
		return s.ListAudit(ctx, p, "", time.Time{}, now, page)
	})
	if fmt.Sprint(times(paged)) != "[6 5 4 3 2 1 0]" {
		t.Fatalf("paged = %v", times(paged))
	}
	since, _, err := s.ListAudit(ctx, p, "", t0.Add(30*time.Hour), now, store.Page{Limit: 100})
	must(t, err)
	if fmt.Sprint(times(since)) != "[6 5 4 3]" {
		t.Fatalf("since = %v", times(since))
	}
	odd, _, err := s.ListAudit(ctx, p, "usr_odd", time.Time{}, now, store.Page{Limit: 100})
	must(t, err)
	if fmt.Sprint(times(odd)) != "[5 3 1]" {
		t.Fatalf("odd = %v", times(odd))
	}
	paged, _ = allPages(t, 1, func(page store.Page) ([]audit.Record, string, error) {
		return s.ListAudit(ctx, p, "usr_even", t0.Add(time.Hour), now, page)
	})
	if fmt.Sprint(times(paged)) != "[6 4 2]" {
		t.Fatalf("even since t0+1h, paged = %v", times(paged))
	}
	other, _, err := s.ListAudit(ctx, p+"x", "", time.Time{}, now, store.Page{Limit: 100})
	must(t, err)
	if len(other) != 0 {
		t.Fatalf("another project listed %d records", len(other))
	}
	_, _, err = s.ListAudit(ctx, p, "", time.Time{}, now, store.Page{Limit: 3, Cursor: "bm9wZQ"})
	wantErr(t, err, store.ErrBadCursor)
}
