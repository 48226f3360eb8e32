package meter

import (
	"context"
	"sync"
	"time"
)

// Store is where counts are leased from; every lease is one conditional
// write, so the store never hands out more than a limit.
type Store interface {
	// LeaseRate adds up to n to counted's use of the window starting at
	// window (of length, limit counts in all) and returns how many it added:
	// 0 when the window's counts are all taken.
	LeaseRate(ctx context.Context, projectID, counted string, window time.Time, length time.Duration, limit, n int64) (int64, error)
	// LeaseQuota takes up to n credits of credentialID's quota, refilled as
	// due at now, and returns how many it took: 0 when none are left.
	// period is the refill interval the caller believes current.
	LeaseQuota(ctx context.Context, projectID, credentialID string, period, now time.Time, n int64) (int64, error)
}

// Refusal reasons, as the 403's message says them.
const (
	RateLimited = "rate limit exceeded"
	Exhausted   = "quota exhausted"
	// Unavailable: the store could not be asked for counts (a throttled
	// or failing write), so the request is refused: metering fails closed.
	Unavailable = "metering unavailable; retry"
)

// Plan is what one authorized request spends: one count of each limit
// that applies to it.
type Plan struct {
	Credential string     // the credential's id
	Rate       *RateLimit // the credential's rate limit
	Quota      *Quota     // the credential's quota (its configuration)
	Owner      string     // the owner's user id
	OwnerRate  *RateLimit // the owner-wide rate limit
}

// Metered reports whether p spends anything.
func (p *Plan) Metered() bool { return p.Rate != nil || p.Quota != nil || p.OwnerRate != nil }

// Refusal is a request over a limit: why, and when a retry may pass.
type Refusal struct {
	Reason     string
	RetryAfter time.Duration // zero: no time is known (a quota without refill)
	Limit      int64         // the limit refused on
	Window     time.Duration // its window; a quota's refill interval, zero without one
}

// Meter spends the counts of one authorizer instance. For each limit it
// holds a lease: counts taken from the store and not yet spent. A lease
// is spent in memory; when it runs out, the next is taken with one
// conditional write, twice as large when the last one lasted less than a
// second (up to a cap), half as large when it lasted over ten.
type Meter struct {
	store     Store
	projectID string
	// recheck is how long a quota found empty is believed empty: a top-up
	// takes effect within it.
	recheck time.Duration
	timeout time.Duration // of each store call
	mu      sync.Mutex
	leases  map[leaseKey]*lease
	tallies map[string]*tally // usage not yet written, by credential id
}

// New returns a Meter spending counts of projectID's limits in s, each
// store call within timeout; a quota found empty is read again after
// recheck.
func New(s Store, projectID string, recheck, timeout time.Duration) *Meter {
	return &Meter{store: s, projectID: projectID, recheck: recheck, timeout: timeout,
		leases: map[leaseKey]*lease{}, tallies: map[string]*tally{}}
}

// leaseKey names a lease: of a rate limit ('r') of a counted id, or of a
// quota ('q') of a credential.
type leaseKey struct {
	kind byte
	id   string
}

// lease is the counts an instance holds for one limit.
type lease struct {
	mu        sync.Mutex // held while a lease is taken from the store
	start     time.Time  // the window (or refill interval) the counts belong to
	left      int64      // counts in hand
	size      int64      // the next lease's size
	taken     time.Time  // when the last lease was taken
	emptyTill time.Time  // the store has none left until then
}

// maxLeases bounds the leases held; past it they are all dropped (their
// unspent counts are lost, never overspent).
const maxLeases = 4096

func (m *Meter) lease(name leaseKey) *lease {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leases[name]
	if !ok {
		if len(m.leases) >= maxLeases {
			clear(m.leases)
		}
		l = &lease{}
		m.leases[name] = l
	}
	return l
}

// Spend spends one count of each of p's limits at now: nil if all had one,
// else the first refusal. A store error refuses too (fail closed): it is
// returned for the caller to report.
func (m *Meter) Spend(ctx context.Context, p *Plan, now time.Time) (*Refusal, error) {
	for _, r := range []struct {
		counted string
		limit   *RateLimit
	}{{p.Credential, p.Rate}, {p.Owner, p.OwnerRate}} {
		if r.limit == nil {
			continue
		}
		if ref, err := m.spendRate(ctx, r.counted, *r.limit, now); ref != nil || err != nil {
			return ref, err
		}
	}
	if p.Quota == nil {
		return nil, nil
	}
	return m.spendQuota(ctx, p.Credential, *p.Quota, now)
}

// spendRate spends one count of counted's rate limit.
func (m *Meter) spendRate(ctx context.Context, counted string, r RateLimit, now time.Time) (*Refusal, error) {
	window := r.WindowStart(now)
	end := window.Add(r.Window)
	ok, err := m.spend(m.lease(leaseKey{'r', counted}), window, end, max(1, r.Limit/200), now,
		func(n int64) (int64, error) {
			ctx, cancel := context.WithTimeout(ctx, m.timeout)
			defer cancel()
			return m.store.LeaseRate(ctx, m.projectID, counted, window, r.Window, r.Limit, n)
		})
	if ok {
		return nil, err
	}
	return &Refusal{Reason: RateLimited, RetryAfter: end.Sub(now), Limit: r.Limit, Window: r.Window}, err
}

// spendQuota spends one credit of credential's quota. Credits come back
// at the next refill (when the refusal says to retry) or by a top-up,
// which an empty lease sees within recheck.
func (m *Meter) spendQuota(ctx context.Context, credential string, q Quota, now time.Time) (*Refusal, error) {
	_, period := q.At(now)
	next := q.NextRefill(now)
	emptyTill := now.Add(m.recheck)
	if !next.IsZero() && next.Before(emptyTill) {
		emptyTill = next
	}
	ok, err := m.spend(m.lease(leaseKey{'q', credential}), period, emptyTill, max(1, q.Limit/1000), now,
		func(n int64) (int64, error) {
			ctx, cancel := context.WithTimeout(ctx, m.timeout)
			defer cancel()
			return m.store.LeaseQuota(ctx, m.projectID, credential, period, now, n)
		})
	if ok {
		return nil, err
	}
	refused := &Refusal{Reason: Exhausted, Limit: q.Limit}
	if !next.IsZero() {
		refused.RetryAfter, refused.Window = next.Sub(now), next.Sub(period)
	}
	return refused, err
}

// spend spends one count of l, which belongs to the window starting at
// start, taking a new lease through take (of at most most counts) when l
// is spent; an empty store is believed empty until emptyTill. It reports
// whether a count was spent; a store error spends none.
func (m *Meter) spend(l *lease, start, emptyTill time.Time, most int64, now time.Time,
	take func(n int64) (int64, error)) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.start.Equal(start) {
		l.start, l.left, l.emptyTill = start, 0, time.Time{}
	}
	if l.left > 0 {
		l.left--
		return true, nil
	}
	if now.Before(l.emptyTill) {
		return false, nil
	}
	switch since := now.Sub(l.taken); {
	case l.size == 0:
		l.size = 1
	case since < time.Second:
		l.size = min(most, l.size*2)
	case since > 10*time.Second:
		l.size = max(1, l.size/2)
	}
	l.size = min(l.size, most)
	got, err := take(l.size)
	if err != nil {
		return false, err
	}
	l.taken = now
	if got == 0 {
		l.emptyTill = emptyTill
		return false, nil
	}
	l.left = got - 1
	return true, nil
}
