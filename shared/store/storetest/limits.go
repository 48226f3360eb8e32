package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store"
)

// The limits these tests store: a rate limit, and a quota refilled daily
// whose balance, 100, is short of its limit.
var (
	perMinute = meter.RateLimit{Limit: 600, Window: time.Minute}
	daily     = meter.Quota{Limit: 1000, Remaining: 100, Refill: &meter.Refill{Amount: 500, Interval: meter.Day},
		Period: meter.Day.Start(t0), Reset: true}
)

func limited() meter.Limits { return meter.Limits{Rate: &perMinute, Quota: &daily}.Clone() }

// wantLimits asserts that got (what is named) holds want's configuration,
// and with balance want's balance too.
func wantLimits(t *testing.T, what string, got, want meter.Limits, balance bool) {
	t.Helper()
	if (got.Rate == nil) != (want.Rate == nil) || got.Rate != nil && *got.Rate != *want.Rate {
		t.Fatalf("%s: rate limit %+v, want %+v", what, got.Rate, want.Rate)
	}
	g, w := got.Quota, want.Quota
	if (g == nil) != (w == nil) {
		t.Fatalf("%s: quota %+v, want %+v", what, g, w)
	}
	if g == nil {
		return
	}
	if g.Limit != w.Limit || (g.Refill == nil) != (w.Refill == nil) || g.Refill != nil && *g.Refill != *w.Refill || g.Reset {
		t.Fatalf("%s: quota %+v (refill %+v), want %+v (refill %+v)", what, g, g.Refill, w, w.Refill)
	}
	if balance && (g.Remaining != w.Remaining || !g.Period.Equal(w.Period)) {
		t.Fatalf("%s: balance %d of the period from %v, want %d from %v", what, g.Remaining, g.Period, w.Remaining, w.Period)
	}
}

// limitsRead is one way a store reads a credential's limits; balance: it
// reads the quota's balance too.
type limitsRead struct {
	what    string
	balance bool
	read    func() (meter.Limits, error)
}

// wantReads asserts that each of reads gives want (after step).
func wantReads(t *testing.T, step string, want meter.Limits, reads []limitsRead) {
	t.Helper()
	for _, r := range reads {
		got, err := r.read()
		must(t, err)
		wantLimits(t, step+": "+r.what, got, want, r.balance)
	}
}

// only is the limits of the one item a list returned, as limits gives them;
// an error if it returned another number.
func only[T any](items []T, _ string, err error) func(limits func(T) meter.Limits) (meter.Limits, error) {
	return func(limits func(T) meter.Limits) (meter.Limits, error) {
		if err == nil && len(items) != 1 {
			err = fmt.Errorf("listed %d items, want 1", len(items))
		}
		if err != nil {
			return meter.Limits{}, err
		}
		return limits(items[0]), nil
	}
}

// keyLimits: a key's limits are stored on both of its items (the balance
// on the record only) and listed; an update writes the configuration and
// writes the balance only when it says Reset; removing a limit removes it
// from both items.
func keyLimits(t *testing.T, s Store, p string) {
	ctx := context.Background()
	k, _ := newKey(t, p, "usr_a", t0, scope.Set{"echo:read"})
	k.Limits = limited()
	must(t, s.CreateKey(ctx, k))
	want := k.Limits.Clone()
	check := func(step string, balance bool) {
		t.Helper()
		wantReads(t, step, want, []limitsRead{
			{"GetKey", true, func() (meter.Limits, error) { k, err := s.GetKey(ctx, p, k.ID); return k.Limits, err }},
			{"GetKeyByHash", false, func() (meter.Limits, error) { k, err := s.GetKeyByHash(ctx, p, k.Hash); return k.Limits, err }},
			{"ListKeys", true, func() (meter.Limits, error) {
				return only(s.ListKeys(ctx, p, "usr_a", store.Page{Limit: 10}))(func(k apikey.Key) meter.Limits { return k.Limits })
			}},
		})
	}
	check("created", true)

	// An update that does not reset the balance keeps the stored one (100),
	// whatever balance the value it writes holds.
	k.Version, k.Name = 1, "renamed"
	k.Limits.Quota.Remaining, k.Limits.Quota.Reset = 5, false
	must(t, s.UpdateKey(ctx, k))
	check("kept", true)
	k.Version++
	k.Limits.Quota.Reset = true
	must(t, s.UpdateKey(ctx, k))
	want.Quota.Remaining = 5
	check("reset", true)

	// A spent balance (0) is a balance, and a quota without refill has no
	// period.
	k.Version++
	k.Limits.Rate = nil
	k.Limits.Quota = &meter.Quota{Limit: 10, Reset: true}
	must(t, s.UpdateKey(ctx, k))
	want = meter.Limits{Quota: &meter.Quota{Limit: 10}}
	check("rate limit removed, quota replaced", true)

	k.Version++
	k.Limits = meter.Limits{Rate: &perMinute}
	must(t, s.UpdateKey(ctx, k))
	want = meter.Limits{Rate: &perMinute}
	check("quota removed", true)
	wantErr(t, s.UpdateKey(ctx, k), store.ErrConflict)
}

// keyLimitsRotated: a successor stored by RotateKey carries its limits and
// balance; the balance moved, so the old key is left with none, and a
// rotation that read a balance since spent (by an authorizer's lease,
// which moves no version) is ErrConflict and writes nothing.
func keyLimitsRotated(t *testing.T, s Store, p string) {
	ctx := context.Background()
	k, _ := newKey(t, p, "usr_a", t0, nil)
	k.Limits = limited()
	must(t, s.CreateKey(ctx, k))
	k.Version = 1
	ended, successor, _, err := apikey.Rotate(k, t0.Add(time.Minute), time.Hour, "")
	must(t, err)
	leased, err := s.LeaseQuota(ctx, p, k.ID, k.Limits.Quota.Period, t0, 1)
	must(t, err)
	if leased != 1 {
		t.Fatalf("leased %d credits, want 1", leased)
	}
	wantErr(t, s.RotateKey(ctx, ended, successor), store.ErrConflict)
	if _, err := s.GetKey(ctx, p, successor.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a refused rotation stored its successor")
	}
	k, err = s.GetKey(ctx, p, k.ID)
	must(t, err)
	ended, successor, _, err = apikey.Rotate(k, t0.Add(time.Minute), time.Hour, "")
	must(t, err)
	successor.Limits.Quota.Remaining = 42
	must(t, s.RotateKey(ctx, ended, successor))
	got, err := s.GetKey(ctx, p, successor.ID)
	must(t, err)
	wantLimits(t, "successor", got.Limits, successor.Limits, true)
	old, err := s.GetKey(ctx, p, k.ID)
	must(t, err)
	none := k.Limits.Clone()
	none.Quota.Remaining = 0
	wantLimits(t, "old key", old.Limits, none, true)
}

// clientLimits: a client's limits and balance are stored on its record,
// read by GetClient, GetSession and ListClients, and changed by
// UpdateClient as UpdateKey changes a key's.
func clientLimits(t *testing.T, s Store, p string) {
	ctx := context.Background()
	c, _, err := credential.NewClient(p, "usr_a", "svc", scope.Set{"echo:read"}, t0, "")
	must(t, err)
	c.Limits = limited()
	must(t, s.CreateClient(ctx, c))
	want := c.Limits.Clone()
	check := func(step string) {
		t.Helper()
		wantReads(t, step, want, []limitsRead{
			{"GetClient", true, func() (meter.Limits, error) { c, err := s.GetClient(ctx, p, c.ID); return c.Limits, err }},
			{"GetSession", true, func() (meter.Limits, error) { c, err := s.GetSession(ctx, p, c.ID); return c.Limits, err }},
			{"ListClients", true, func() (meter.Limits, error) {
				return only(s.ListClients(ctx, p, "usr_a", store.Page{Limit: 10}))(func(c credential.Client) meter.Limits { return c.Limits })
			}},
		})
	}
	check("created")
	c.Version = 1
	c.Limits.Rate = &meter.RateLimit{Limit: 5, Window: time.Second}
	c.Limits.Quota.Remaining, c.Limits.Quota.Reset = 7, false
	must(t, s.UpdateClient(ctx, c))
	want.Rate = c.Limits.Rate
	check("kept")
	wantErr(t, s.UpdateClient(ctx, c), store.ErrConflict)
	c.Version++
	c.Limits.Quota.Reset = true
	must(t, s.UpdateClient(ctx, c))
	want.Quota.Remaining = 7
	check("reset")
	c.Version++
	c.Limits = meter.Limits{}
	must(t, s.UpdateClient(ctx, c))
	want = meter.Limits{}
	check("removed")

	if after, _ := s.GetClient(ctx, p, c.ID); after.SecretHash != c.SecretHash || after.Version != 4 {
		t.Fatalf("the client's other fields changed: %+v", after)
	}
	missing := c
	missing.ID = "cli_missing"
	wantErr(t, s.UpdateClient(ctx, missing), store.ErrNotFound)
	jwt := credential.Session{ProjectID: p, ID: "jwt_limits", Kind: credential.KindJWT, Owner: "usr_a", Status: credential.Active,
		CreatedAt: t0, NotBefore: t0}
	must(t, s.CreateSession(ctx, jwt))
	missing.ID, missing.Version = jwt.ID, 1
	wantErr(t, s.UpdateClient(ctx, missing), store.ErrNotFound)
}

// userRateLimit: a user's rate limit is stored, read by every read of the
// user, and changed or removed by UpdateUser.
func userRateLimit(t *testing.T, s Store, p string) {
	ctx := context.Background()
	u := newUser(p, "limited", t0)
	u.RateLimit = &meter.RateLimit{Limit: 100, Window: time.Hour}
	must(t, s.CreateUser(ctx, u))
	check := func(step string, want *meter.RateLimit) {
		t.Helper()
		got, err := s.GetUser(ctx, p, u.ID)
		must(t, err)
		byName, err := s.GetUserByUsername(ctx, p, u.Username)
		must(t, err)
		listed, _, err := s.ListUsers(ctx, p, store.Page{Limit: 10})
		must(t, err)
		for _, g := range []*meter.RateLimit{got.RateLimit, byName.RateLimit, listed[0].RateLimit} {
			if (g == nil) != (want == nil) || g != nil && *g != *want {
				t.Fatalf("%s: rate limit %+v, want %+v", step, g, want)
			}
		}
	}
	check("created", u.RateLimit)
	u.Version, u.RateLimit = 1, &meter.RateLimit{Limit: 7, Window: 24 * time.Hour}
	must(t, s.UpdateUser(ctx, u))
	check("changed", u.RateLimit)
	u.Version, u.RateLimit = 2, nil
	must(t, s.UpdateUser(ctx, u))
	check("removed", nil)
}
