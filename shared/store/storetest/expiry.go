package storetest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/store"
)

const day = 24 * time.Hour

// swept are the types of credential the expiry index holds.
var swept = []credential.Type{credential.TypeAPIKey, credential.TypeJWT, credential.TypeRefreshToken}

// expiring stores an active credential of kind (an API key, a personal JWT
// or a refresh-token family) created a day before exp, and returns the
// index entry the store should list for it.
func expiring(t *testing.T, s Store, p string, kind credential.Type, exp time.Time) store.ExpiryEntry {
	t.Helper()
	ctx, created := context.Background(), exp.Add(-day)
	e := store.ExpiryEntry{Type: kind, Owner: "usr_a", ExpiresAt: exp}
	switch kind {
	case credential.TypeAPIKey:
		k, _, err := apikey.New(p, e.Owner, "k", nil, created, &exp, "")
		must(t, err)
		must(t, s.CreateKey(ctx, k))
		e.ID = k.ID
	case credential.TypeJWT:
		e.ID = id.New(string(credential.KindJWT))
		must(t, s.CreateSession(ctx, credential.Session{ProjectID: p, ID: e.ID, Kind: credential.KindJWT, Owner: e.Owner,
			Name: "j", Status: credential.Active, CreatedAt: created, ExpiresAt: &exp, NotBefore: created}))
	case credential.TypeRefreshToken:
		f, first, _, err := refresh.NewFamily(p, e.Owner, "cli", nil, created, exp, refresh.DefaultAccessTokenTTL, "")
		must(t, err)
		must(t, s.CreateFamily(ctx, f, first))
		e.ID = f.ID
	default:
		t.Fatalf("no credential kind %q", kind)
	}
	return e
}

// unswept stores credentials the index never lists: a key and a JWT that
// never expire, an OAuth client and a password sign-in expiring at exp.
func unswept(t *testing.T, s Store, p string, exp time.Time) {
	t.Helper()
	ctx, created := context.Background(), exp.Add(-day)
	k, _, err := apikey.New(p, "usr_a", "forever", nil, created, nil, "")
	must(t, err)
	must(t, s.CreateKey(ctx, k))
	must(t, s.CreateSession(ctx, credential.Session{ProjectID: p, ID: id.New(string(credential.KindJWT)), Kind: credential.KindJWT,
		Owner: "usr_a", Name: "forever", Status: credential.Active, CreatedAt: created, NotBefore: created}))
	c, _, err := credential.NewClient(p, "usr_a", "svc", nil, created, "")
	must(t, err)
	must(t, s.CreateClient(ctx, c))
	must(t, s.CreateSession(ctx, credential.Session{ProjectID: p, ID: id.New(string(credential.KindPassword)), Kind: credential.KindPassword,
		Owner: "usr_a", Status: credential.Active, CreatedAt: created, ExpiresAt: &exp, NotBefore: created}))
}

// ids lists the ids of entries, in order.
func ids(entries []store.ExpiryEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}

// expiryPage: one day's entries expiring before the clock's now, soonest
// first, revoked ones included; never credentials without expiry, clients,
// sign-ins, or another project's.
func expiryPage(t *testing.T, s Store, p string) {
	ctx := context.Background()
	clk := clock.NewFake(t0) // 19:30
	first := clk.Now().Truncate(day)
	at := func(d time.Duration) time.Time { return clk.Now().Add(d) }
	fixtures := map[string]store.ExpiryEntry{
		"key":      expiring(t, s, p, credential.TypeAPIKey, at(-time.Hour)),
		"jwt":      expiring(t, s, p, credential.TypeJWT, at(-30*time.Minute)),
		"revoked":  expiring(t, s, p, credential.TypeJWT, at(-20*time.Minute)),
		"family":   expiring(t, s, p, credential.TypeRefreshToken, at(-10*time.Minute)),
		"now":      expiring(t, s, p, credential.TypeAPIKey, at(0)),
		"tonight":  expiring(t, s, p, credential.TypeRefreshToken, at(4*time.Hour)),
		"tomorrow": expiring(t, s, p, credential.TypeJWT, at(6*time.Hour)),
	}
	must(t, s.RevokeSession(ctx, p, fixtures["revoked"].ID, at(-day)))
	unswept(t, s, p, at(-time.Minute))

	tests := []struct {
		name    string
		advance time.Duration // the clock moves on before the read
		day     int           // days after the first
		project string        // appended to the project
		want    []string
	}{
		{"due at start", 0, 0, "", []string{"key", "jwt", "revoked", "family"}},
		{"expiring at now is due a moment later", time.Second, 0, "", []string{"key", "jwt", "revoked", "family", "now"}},
		{"whole day once it is over", 5 * time.Hour, 0, "", []string{"key", "jwt", "revoked", "family", "now", "tonight"}},
		{"next day before its first expiry", 0, 1, "", nil},
		{"next day", 2 * time.Hour, 1, "", []string{"tomorrow"}},
		{"day without expiries", 0, 2, "", nil},
		{"another project", 0, 0, "x", nil},
	}
	for _, tc := range tests {
		clk.Advance(tc.advance)
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := s.ExpiryPage(ctx, p+tc.project, first.Add(time.Duration(tc.day)*day), clk.Now(), store.Page{Limit: 100})
			must(t, err)
			want := make([]store.ExpiryEntry, len(tc.want))
			for i, name := range tc.want {
				want[i] = fixtures[name]
			}
			if next != "" || !slices.Equal(ids(got), ids(want)) {
				t.Fatalf("listed %v (next %q), want %v", ids(got), next, tc.want)
			}
			for i, g := range got {
				if w := want[i]; g.Type != w.Type || g.Owner != w.Owner || !g.ExpiresAt.Equal(w.ExpiresAt) || g.Notified {
					t.Fatalf("%s: entry %+v, want %+v", tc.want[i], g, w)
				}
			}
		})
	}
}

// expiryPages: a day's entries page by page, each once and in order, with
// no cursor after the last page; a cursor the store did not issue is refused.
func expiryPages(t *testing.T, s Store, p string) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	var want []string
	for i := range 5 {
		want = append(want, expiring(t, s, p, swept[i%len(swept)], clk.Now().Add(time.Duration(i-5)*time.Minute)).ID)
	}
	tests := []struct{ limit, pages int }{{1, 5}, {2, 3}, {5, 1}, {100, 1}}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("limit %d", tc.limit), func(t *testing.T) {
			entries, pages := allPages(t, tc.limit, func(page store.Page) ([]store.ExpiryEntry, string, error) {
				return s.ExpiryPage(ctx, p, clk.Now(), clk.Now(), page)
			})
			if pages != tc.pages {
				t.Fatalf("%d pages, want %d", pages, tc.pages)
			}
			if got := ids(entries); !slices.Equal(got, want) {
				t.Fatalf("listed %v, want %v", got, want)
			}
		})
	}
	for _, c := range []string{"!!!", base64.RawURLEncoding.EncodeToString([]byte("not a cursor"))} {
		_, _, err := s.ExpiryPage(ctx, p, clk.Now(), clk.Now(), store.Page{Limit: 2, Cursor: c})
		wantErr(t, err, store.ErrBadCursor)
	}
}

// markExpired: an active credential becomes expired with its audit record;
// a revoked one stays revoked, without one; either leaves the index. A
// credential that is gone is ErrNotFound.
func markExpired(t *testing.T, s Store, p string) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	tests := []struct {
		name       string
		kind       credential.Type
		revoked    bool
		missing    string // the id of a credential never stored
		calls      int
		wantErr    error
		wantStatus string
		wantAudit  int
	}{
		{name: "api key", kind: credential.TypeAPIKey, calls: 1, wantStatus: "expired", wantAudit: 1},
		{name: "personal JWT", kind: credential.TypeJWT, calls: 1, wantStatus: "expired", wantAudit: 1},
		{name: "refresh family", kind: credential.TypeRefreshToken, calls: 1, wantStatus: "expired", wantAudit: 1},
		{name: "revoked JWT stays revoked", kind: credential.TypeJWT, revoked: true, calls: 1, wantStatus: "revoked"},
		{name: "revoked family stays revoked", kind: credential.TypeRefreshToken, revoked: true, calls: 1, wantStatus: "revoked"},
		{name: "second time changes nothing", kind: credential.TypeJWT, calls: 2, wantStatus: "expired", wantAudit: 1},
		{name: "missing key", kind: credential.TypeAPIKey, missing: "key_missing", calls: 1, wantErr: store.ErrNotFound},
		{name: "missing JWT", kind: credential.TypeJWT, missing: "jwt_missing", calls: 1, wantErr: store.ErrNotFound},
		{name: "missing family", kind: credential.TypeRefreshToken, missing: "rtf_missing", calls: 1, wantErr: store.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := store.ExpiryEntry{Type: tc.kind, ID: tc.missing, Owner: "usr_a", ExpiresAt: clk.Now().Add(-time.Hour)}
			if tc.missing == "" {
				e = expiring(t, s, p, tc.kind, e.ExpiresAt)
			}
			if tc.revoked {
				must(t, s.RevokeSession(ctx, p, e.ID, e.ExpiresAt.Add(-time.Minute)))
			}
			var err error
			for range tc.calls {
				clk.Advance(time.Second)
				actx := audit.With(ctx, audit.New(p, audit.Sweeper, audit.CredentialExpired, audit.Credential(e.Type, e.ID), "", "", clk.Now()))
				err = s.MarkExpired(actx, p, e, clk.Now().Add(config.DefaultSweepRetention))
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("MarkExpired = %v, want %v", err, tc.wantErr)
			}
			if tc.missing == "" {
				expiredState(t, s, p, e, tc.wantStatus)
			}
			records, _, err := s.ListAudit(ctx, p, e.ID, time.Time{}, clk.Now(), store.Page{Limit: 100})
			must(t, err)
			if len(records) != tc.wantAudit || (tc.wantAudit > 0 && records[0].Action != audit.CredentialExpired) {
				t.Fatalf("audit records %+v, want %d", records, tc.wantAudit)
			}
		})
	}
}

// expiredState checks a swept credential's status on every read of it and
// that the index no longer lists it.
func expiredState(t *testing.T, s Store, p string, e store.ExpiryEntry, want string) {
	t.Helper()
	ctx := context.Background()
	var statuses []string
	if e.Type == credential.TypeAPIKey {
		k, err := s.GetKey(ctx, p, e.ID)
		must(t, err)
		byHash, err := s.GetKeyByHash(ctx, p, k.Hash)
		must(t, err)
		statuses = append(statuses, string(k.Status), string(byHash.Status))
	} else {
		sess, err := s.GetSession(ctx, p, e.ID)
		must(t, err)
		statuses = append(statuses, string(sess.Status))
	}
	for _, got := range statuses {
		if got != want {
			t.Fatalf("status %v, want %s", statuses, want)
		}
	}
	listed, _, err := s.ExpiryPage(ctx, p, e.ExpiresAt, e.ExpiresAt.Add(time.Second), store.Page{Limit: 100})
	must(t, err)
	if slices.Contains(ids(listed), e.ID) {
		t.Fatal("a swept credential is still in the expiry index")
	}
}

// markNotified: the first notice is recorded and listed with the entry;
// a second reports that it was sent already.
func markNotified(t *testing.T, s Store, p string) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	for _, kind := range swept {
		t.Run(string(kind), func(t *testing.T) {
			clk.Advance(time.Minute)
			e := expiring(t, s, p, kind, clk.Now().Add(time.Hour))
			for i, want := range []bool{true, false} {
				if got, err := s.MarkNotified(ctx, p, e); err != nil || got != want {
					t.Fatalf("MarkNotified #%d = %v, %v; want %v", i+1, got, err, want)
				}
			}
			listed, _, err := s.ExpiryPage(ctx, p, e.ExpiresAt, e.ExpiresAt.Add(time.Second), store.Page{Limit: 100})
			must(t, err)
			i := slices.Index(ids(listed), e.ID)
			if i < 0 || !listed[i].Notified {
				t.Fatalf("listed %+v, want %s notified", listed, e.ID)
			}
		})
	}
}

// sweepCursor: zero before the first sweep, then the day last stored, per
// project.
func sweepCursor(t *testing.T, s Store, p string) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	if got, err := s.SweepCursor(ctx, p); err != nil || !got.IsZero() {
		t.Fatalf("first SweepCursor = %v, %v; want zero", got, err)
	}
	tests := []struct {
		name    string
		advance time.Duration
	}{{"first day", 0}, {"next day", day}, {"a week on", 7 * day}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk.Advance(tc.advance)
			d := clk.Now().Truncate(day)
			must(t, s.SetSweepCursor(ctx, p, d))
			if got, err := s.SweepCursor(ctx, p); err != nil || !got.Equal(d) {
				t.Fatalf("SweepCursor = %v, %v; want %v", got, err, d)
			}
			if got, err := s.SweepCursor(ctx, p+"x"); err != nil || !got.IsZero() {
				t.Fatalf("another project's cursor = %v, %v", got, err)
			}
		})
	}
}
