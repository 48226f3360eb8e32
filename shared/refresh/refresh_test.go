package refresh_test

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/store/storetest"
)

func TestMain(m *testing.M) { localtest.Main(m) }

const project = "default"

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

func sealer(t testing.TB) refresh.Sealer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s, err := envelope.NewLocal(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stores runs f against the memory store and DynamoDB Local.
func stores(t *testing.T, f func(t *testing.T, s refresh.Store)) {
	storetest.Each(t, func(t *testing.T, s storetest.Store) { f(t, s) })
}

func newFamily(t testing.TB, s refresh.Store) (refresh.Family, string) {
	t.Helper()
	f, first, tok, err := refresh.NewFamily(project, "usr_a", "laptop", nil, t0, t0.Add(refresh.DefaultLifetime), refresh.DefaultAccessTokenTTL, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFamily(context.Background(), f, first); err != nil {
		t.Fatal(err)
	}
	return f, tok
}

// TestConcurrentExchanges: 50 exchanges of one token at once all succeed
// with the same successor, and exactly one successor record exists.
func TestConcurrentExchanges(t *testing.T) {
	stores(t, func(t *testing.T, s refresh.Store) {
		_, tok := newFamily(t, s)
		e := &refresh.Exchanger{Store: s, Sealer: sealer(t), Grace: refresh.DefaultGrace}
		const n = 50
		got := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, got[i], errs[i] = e.Exchange(context.Background(), project, tok, "", t0.Add(time.Second), nil)
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || got[i] != got[0] {
				t.Fatalf("exchange %d: %q, %v; want %q", i, got[i], errs[i], got[0])
			}
		}
		// The successor is a fresh token whose own record says generation 1,
		// and it can be exchanged in turn.
		next, err := s.GetRefreshToken(context.Background(), project, secret.Sum(got[0]))
		if err != nil || next.Generation != 1 || next.Spent {
			t.Fatalf("successor record %+v, %v", next, err)
		}
		if _, _, err := e.Exchange(context.Background(), project, got[0], "", t0.Add(2*time.Second), nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestReuseAfterGraceRevokesTheFamily(t *testing.T) {
	stores(t, func(t *testing.T, s refresh.Store) {
		ctx := context.Background()
		fam, tok := newFamily(t, s)
		e := &refresh.Exchanger{Store: s, Sealer: sealer(t), Grace: refresh.DefaultGrace}
		_, succ, err := e.Exchange(ctx, project, tok, "", t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		// A retry inside the grace period gets the same successor.
		if _, again, err := e.Exchange(ctx, project, tok, "", t0.Add(refresh.DefaultGrace), nil); err != nil || again != succ {
			t.Fatalf("retry in grace: %q, %v", again, err)
		}
		if _, _, err := e.Exchange(ctx, project, tok, "", t0.Add(refresh.DefaultGrace+time.Millisecond), nil); !errors.Is(err, refresh.ErrReuse) {
			t.Fatalf("reuse after grace: %v", err)
		}
		f, _ := s.GetFamily(ctx, project, fam.ID)
		if f.Status != credential.Revoked {
			t.Fatal("reuse did not revoke the family")
		}
		if _, _, err := e.Exchange(ctx, project, succ, "", t0.Add(time.Minute), nil); !errors.Is(err, refresh.ErrInvalidGrant) {
			t.Fatalf("the successor still works after reuse: %v", err)
		}
	})
}

// TestRefreshRacingRevoke: whatever the order, a revoked family never
// comes back: no successor works after the revoke.
func TestRefreshRacingRevoke(t *testing.T) {
	stores(t, func(t *testing.T, s refresh.Store) {
		ctx := context.Background()
		for range 10 {
			fam, tok := newFamily(t, s)
			e := &refresh.Exchanger{Store: s, Sealer: sealer(t), Grace: refresh.DefaultGrace}
			var succ string
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); _, succ, _ = e.Exchange(ctx, project, tok, "", t0, nil) }()
			go func() {
				defer wg.Done()
				if err := s.RevokeFamily(ctx, project, fam.ID, t0); err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Error(err)
				}
			}()
			wg.Wait()
			if succ == "" {
				continue // the revoke won
			}
			if _, _, err := e.Exchange(ctx, project, succ, "", t0.Add(time.Second), nil); !errors.Is(err, refresh.ErrInvalidGrant) {
				t.Fatalf("a successor outlived the revoke: %v", err)
			}
		}
	})
}

func TestExpiryNeverMoves(t *testing.T) {
	s := memory.New()
	fam, tok := newFamily(t, s)
	e := &refresh.Exchanger{Store: s, Sealer: sealer(t), Grace: refresh.DefaultGrace}
	now := t0
	for range 3 {
		now = now.Add(24 * time.Hour)
		_, next, err := e.Exchange(context.Background(), project, tok, "", now, nil)
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := s.GetRefreshToken(context.Background(), project, secret.Sum(next))
		if !rec.ExpiresAt.Equal(*fam.ExpiresAt) {
			t.Fatalf("successor expires %v, family %v", rec.ExpiresAt, *fam.ExpiresAt)
		}
		tok = next
	}
	if _, _, err := e.Exchange(context.Background(), project, tok, "", *fam.ExpiresAt, nil); !errors.Is(err, refresh.ErrInvalidGrant) {
		t.Fatalf("exchange at expiry: %v", err)
	}
}

func TestMalformedAndUnknownTokens(t *testing.T) {
	s := memory.New()
	e := &refresh.Exchanger{Store: s, Sealer: sealer(t), Grace: refresh.DefaultGrace}
	unknown, _ := secret.Generate("", secret.PrefixRefreshToken)
	key, _ := secret.Generate("", secret.PrefixAPIKey)
	for _, tok := range []string{"", "tgr_", key, unknown} {
		if _, _, err := e.Exchange(context.Background(), project, tok, "", t0, nil); !errors.Is(err, refresh.ErrInvalidGrant) {
			t.Fatalf("%q: %v", tok, err)
		}
	}
}
