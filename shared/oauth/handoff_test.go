package oauth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/user"
)

func (c *counted) GetUser(ctx context.Context, projectID, userID string) (user.User, error) {
	c.userReads.Add(1)
	time.Sleep(c.userDelay)
	return c.Store.GetUser(ctx, projectID, userID)
}

// TestRightGrantsTakeTurns: more right requests of one client from one
// source at once than the failure limit all get their token: past the
// limit they wait for a reservation handed on in process, where they used
// to get 429, and every reservation is given back in the end.
func TestRightGrantsTakeTurns(t *testing.T) {
	f := newFixture(t)
	c, sec := f.client(t, "alice", nil)
	f.counted.userDelay = 20 * time.Millisecond // each check holds its reservation that long
	const n = 3 * oauth.MaxFailures
	if count := parallel(f, n, basicGrant(c.ID, sec)); count[200] != n {
		t.Fatalf("statuses %v, want %d × 200", count, n)
	}
	if r := f.counted.reserves.Load(); r >= n {
		t.Errorf("%d reservations in the store for %d requests, want some handed on", r, n)
	}
	window := f.clock.Now().Truncate(oauth.FailureWindow)
	if left, err := f.store.Failures(context.Background(), project, strings.ToLower(c.ID)+"@unknown", window); err != nil || left != 0 {
		t.Errorf("%d attempts left counted (%v), want 0", left, err)
	}
	// Wrong secrets still cannot pass the limit, nor does a right one then.
	count := parallel(f, 12, basicGrant(c.ID, "tgc_wrong"))
	if count[401] > oauth.MaxFailures || count[401]+count[429] != 12 {
		t.Fatalf("statuses %v, want at most %d 401 and the rest 429", count, oauth.MaxFailures)
	}
	f.call(t, basicGrant(c.ID, sec)).wantError(t, 429, "slow_down")
}

// TestOwnerTTL: with an OwnerTTL a client's grants read its owner once per
// TTL, so an owner disabled meanwhile is refused once the TTL has passed.
func TestOwnerTTL(t *testing.T) {
	const ttl = 10 * time.Second
	f := newFixture(t, func(o *oauth.Options) { o.OwnerTTL = ttl })
	c, sec := f.client(t, "alice", nil)
	f.ok(t, basicGrant(c.ID, sec))
	f.ok(t, basicGrant(c.ID, sec))
	if r := f.counted.userReads.Load(); r != 1 {
		t.Errorf("%d owner reads for two grants, want 1", r)
	}
	f.setUser(t, "alice", func(u *user.User) { u.Disabled = true })
	f.ok(t, basicGrant(c.ID, sec)) // within the TTL: the read kept
	f.clock.Advance(ttl)
	f.call(t, basicGrant(c.ID, sec)).wantError(t, 401, "invalid_client")
}

// TestAttemptLinger: with a linger, one client's grants one after another
// reserve once and reuse the reservation, which is given back afterwards;
// a wrong secret taking it still counts.
func TestAttemptLinger(t *testing.T) {
	const linger = 50 * time.Millisecond
	f := newFixture(t, func(o *oauth.Options) { o.AttemptLinger = linger })
	c, sec := f.client(t, "alice", nil)
	for range 3 {
		f.ok(t, basicGrant(c.ID, sec))
	}
	if r := f.counted.reserves.Load(); r != 1 {
		t.Errorf("%d reservations for 3 grants in a row, want 1", r)
	}
	failures := func() int {
		n, err := f.store.Failures(context.Background(), project, strings.ToLower(c.ID)+"@unknown", f.clock.Now().Truncate(oauth.FailureWindow))
		must(t, err)
		return n
	}
	if n := failures(); n != 1 {
		t.Errorf("%d attempts counted while one lingers, want 1", n)
	}
	f.call(t, basicGrant(c.ID, "tgc_wrong")).wantError(t, 401, "invalid_client")
	if n := failures(); n != 1 {
		t.Errorf("%d attempts counted after a wrong secret took the lingering one, want 1", n)
	}
	f.ok(t, basicGrant(c.ID, sec))
	if n := failures(); n != 2 {
		t.Errorf("%d attempts counted while a right one lingers after a wrong one, want 2", n)
	}
	for deadline := time.Now().Add(5 * time.Second); failures() != 1 && time.Now().Before(deadline); {
		time.Sleep(linger)
	}
	if n := failures(); n != 1 {
		t.Errorf("%d attempts counted after the linger, want the wrong one's 1", n)
	}
}
