package meter

import (
	"fmt"
	"time"
)

// FieldError is a limit out of bounds. Field names the member at fault as
// the management API spells it within a rateLimit or quota object:
// limit, windowSeconds, remaining, refill.amount or refill.interval.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func invalid(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Check reports (as a *FieldError) whether r is within bounds: 1 to
// MaxLimit requests in a window of a whole number of seconds from
// MinWindow to MaxWindow.
func (r RateLimit) Check() error {
	if r.Limit < 1 || r.Limit > MaxLimit {
		return invalid("limit", "must be an integer from 1 to %d", int64(MaxLimit))
	}
	if r.Window < MinWindow || r.Window > MaxWindow || r.Window%time.Second != 0 {
		return invalid("windowSeconds", "must be an integer from %d to %d", int64(MinWindow/time.Second), int64(MaxWindow/time.Second))
	}
	return nil
}

// Check reports (as a *FieldError) whether q is within bounds: a limit of
// 1 to MaxLimit credits, a balance of 0 to the limit, and a refill, if
// any, of 1 to the limit credits every hour, day or month.
func (q Quota) Check() error {
	if q.Limit < 1 || q.Limit > MaxLimit {
		return invalid("limit", "must be an integer from 1 to %d", int64(MaxLimit))
	}
	if q.Remaining < 0 || q.Remaining > q.Limit {
		return invalid("remaining", "must be an integer from 0 to the quota's limit (%d)", q.Limit)
	}
	if q.Refill == nil {
		return nil
	}
	if q.Refill.Amount < 1 || q.Refill.Amount > q.Limit {
		return invalid("refill.amount", "must be an integer from 1 to the quota's limit (%d)", q.Limit)
	}
	if !q.Refill.Interval.Valid() {
		return invalid("refill.interval", `must be "hour", "day" or "month"`)
	}
	return nil
}

// Clone is a deep copy of l, sharing no pointer with it.
func (l Limits) Clone() Limits {
	if l.Rate != nil {
		r := *l.Rate
		l.Rate = &r
	}
	if l.Quota != nil {
		q := *l.Quota
		if q.Refill != nil {
			f := *q.Refill
			q.Refill = &f
		}
		l.Quota = &q
	}
	return l
}

// ResetTo is q with its balance set to remaining as of now: Period is the
// refill interval holding now (zero without a refill), and Reset is set,
// so that an update stores the balance.
func (q Quota) ResetTo(remaining int64, now time.Time) Quota {
	q.Remaining, q.Period, q.Reset = remaining, time.Time{}, true
	if q.Refill != nil {
		q.Period = q.Refill.Interval.Start(now)
	}
	return q
}
