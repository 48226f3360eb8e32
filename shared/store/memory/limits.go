package memory

import (
	"time"

	"github.com/tollgate/tollgate/shared/meter"
)

// storedLimits is l as a store keeps it: a copy, without Reset (an
// instruction to the update, not state) or a period for a quota that
// never refills.
func storedLimits(l meter.Limits) meter.Limits {
	l = l.Clone()
	if q := l.Quota; q != nil {
		q.Reset = false
		if q.Refill == nil {
			q.Period = time.Time{}
		}
	}
	return l
}

// updatedLimits is what an update writing next leaves stored over stored:
// next's configuration, and its quota's balance only when next.Quota.Reset;
// otherwise the stored balance, which authorizers spend concurrently.
func updatedLimits(stored, next meter.Limits) meter.Limits {
	reset := next.Quota != nil && next.Quota.Reset
	l := storedLimits(next)
	if q := l.Quota; q != nil && !reset {
		q.Remaining, q.Period = 0, time.Time{}
		if stored.Quota != nil {
			q.Remaining, q.Period = stored.Quota.Remaining, stored.Quota.Period
		}
	}
	return l
}

func cloneRateLimit(r *meter.RateLimit) *meter.RateLimit { return meter.Limits{Rate: r}.Clone().Rate }
