package meter

import "time"

// Bounds of the limits a credential may carry.
const (
	MaxLimit  = 1_000_000_000  // requests in a window, or credits in a quota
	MaxWindow = 24 * time.Hour // the longest rate-limit window
	MinWindow = time.Second    // the shortest
)

// RateLimit caps the requests made in each fixed window of Window,
// windows being aligned to the Unix epoch.
type RateLimit struct {
	Limit  int64
	Window time.Duration
}

// WindowStart is the start of the window holding t.
func (r RateLimit) WindowStart(t time.Time) time.Time { return t.Truncate(r.Window) }

// Interval is how often a quota refills.
type Interval string

// Refill intervals: calendar hours, days and months, in UTC.
const (
	Hour  Interval = "hour"
	Day   Interval = "day"
	Month Interval = "month"
)

// Valid reports whether i is one of the intervals.
func (i Interval) Valid() bool { return i == Hour || i == Day || i == Month }

// Start is the start of the interval holding t.
func (i Interval) Start(t time.Time) time.Time {
	t = t.UTC()
	switch i {
	case Hour:
		return t.Truncate(time.Hour)
	case Day:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// between is how many intervals begin after the one starting at from, up
// to and including the one starting at to.
func (i Interval) between(from, to time.Time) int64 {
	switch i {
	case Hour:
		return int64(to.Sub(from) / time.Hour)
	case Day:
		return int64(to.Sub(from) / (24 * time.Hour))
	}
	return int64((to.Year()-from.Year())*12 + int(to.Month()-from.Month()))
}

// next is the start of the interval after the one holding t.
func (i Interval) next(t time.Time) time.Time {
	start := i.Start(t)
	switch i {
	case Hour:
		return start.Add(time.Hour)
	case Day:
		return start.AddDate(0, 0, 1)
	}
	return start.AddDate(0, 1, 0)
}

// Refill adds Amount credits at the start of every Interval, up to the
// quota's limit.
type Refill struct {
	Amount   int64
	Interval Interval
}

// Quota is a balance of credits: each authorized request spends one.
type Quota struct {
	Limit     int64
	Remaining int64 // as stored; credits leased to authorizer instances count as spent
	Refill    *Refill
	// Period is the start of the refill interval Remaining belongs to;
	// zero without a refill.
	Period time.Time
	// Reset, on an update, stores Remaining and Period (a new quota or a
	// top-up); without it an update keeps the stored balance, which
	// authorizers spend concurrently.
	Reset bool
}

// At is q's balance at now: every refill interval begun since q.Period
// adds its amount, up to the limit. It returns the balance and the
// interval it belongs to.
func (q Quota) At(now time.Time) (remaining int64, period time.Time) {
	if q.Refill == nil {
		return q.Remaining, q.Period
	}
	current := q.Refill.Interval.Start(now)
	if q.Period.IsZero() || !q.Period.Before(current) {
		return q.Remaining, current
	}
	n := q.Refill.Interval.between(q.Period, current)
	if n >= q.Limit { // every interval adds at least one credit
		return q.Limit, current
	}
	return min(q.Limit, q.Remaining+n*q.Refill.Amount), current
}

// NextRefill is when q next gains credits after now; zero if never.
func (q Quota) NextRefill(now time.Time) time.Time {
	if q.Refill == nil {
		return time.Time{}
	}
	return q.Refill.Interval.next(now)
}

// Limits are the limits one credential carries; nil fields are none.
type Limits struct {
	Rate  *RateLimit
	Quota *Quota
}

// Usage is what the authorizer decided on one credential in one hour.
type Usage struct {
	Hour                time.Time
	Authorized, Refused int64
}
