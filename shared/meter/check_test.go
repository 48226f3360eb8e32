package meter_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/meter"
)

// wantField asserts that err is a *meter.FieldError naming field, or nil
// when field is "".
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *meter.FieldError
	switch {
	case field == "" && err != nil:
		t.Fatalf("err = %v, want nil", err)
	case field != "" && (!errors.As(err, &fe) || fe.Field != field):
		t.Fatalf("err = %v, want a FieldError on %s", err, field)
	}
}

func TestRateLimitCheck(t *testing.T) {
	tests := []struct {
		name  string
		r     meter.RateLimit
		field string
	}{
		{"smallest", meter.RateLimit{Limit: 1, Window: time.Second}, ""},
		{"largest", meter.RateLimit{Limit: meter.MaxLimit, Window: 24 * time.Hour}, ""},
		{"no requests", meter.RateLimit{Limit: 0, Window: time.Minute}, "limit"},
		{"negative", meter.RateLimit{Limit: -1, Window: time.Minute}, "limit"},
		{"over the largest limit", meter.RateLimit{Limit: meter.MaxLimit + 1, Window: time.Minute}, "limit"},
		{"no window", meter.RateLimit{Limit: 10}, "windowSeconds"},
		{"under a second", meter.RateLimit{Limit: 10, Window: 999 * time.Millisecond}, "windowSeconds"},
		{"not whole seconds", meter.RateLimit{Limit: 10, Window: 1500 * time.Millisecond}, "windowSeconds"},
		{"over a day", meter.RateLimit{Limit: 10, Window: 24*time.Hour + time.Second}, "windowSeconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantField(t, tt.r.Check(), tt.field) })
	}
}

func TestQuotaCheck(t *testing.T) {
	refill := func(n int64, i meter.Interval) *meter.Refill { return &meter.Refill{Amount: n, Interval: i} }
	tests := []struct {
		name  string
		q     meter.Quota
		field string
	}{
		{"spent", meter.Quota{Limit: 10}, ""},
		{"full", meter.Quota{Limit: 10, Remaining: 10}, ""},
		{"refilled hourly", meter.Quota{Limit: 10, Remaining: 3, Refill: refill(10, meter.Hour)}, ""},
		{"refilled monthly by one", meter.Quota{Limit: meter.MaxLimit, Refill: refill(1, meter.Month)}, ""},
		{"no credits", meter.Quota{Limit: 0}, "limit"},
		{"over the largest limit", meter.Quota{Limit: meter.MaxLimit + 1}, "limit"},
		{"negative balance", meter.Quota{Limit: 10, Remaining: -1}, "remaining"},
		{"balance over the limit", meter.Quota{Limit: 10, Remaining: 11}, "remaining"},
		{"refill of nothing", meter.Quota{Limit: 10, Refill: refill(0, meter.Day)}, "refill.amount"},
		{"refill over the limit", meter.Quota{Limit: 10, Refill: refill(11, meter.Day)}, "refill.amount"},
		{"refill every week", meter.Quota{Limit: 10, Refill: refill(10, "week")}, "refill.interval"},
		{"refill with no interval", meter.Quota{Limit: 10, Refill: refill(10, "")}, "refill.interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantField(t, tt.q.Check(), tt.field) })
	}
}

func TestFieldErrorText(t *testing.T) {
	err := meter.Quota{Limit: 10, Remaining: 11}.Check()
	if got := err.Error(); got != "remaining: must be an integer from 0 to the quota's limit (10)" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestClone(t *testing.T) {
	l := meter.Limits{Rate: &meter.RateLimit{Limit: 5, Window: time.Minute},
		Quota: &meter.Quota{Limit: 10, Remaining: 4, Refill: &meter.Refill{Amount: 10, Interval: meter.Day}}}
	c := l.Clone()
	c.Rate.Limit, c.Quota.Remaining, c.Quota.Refill.Amount = 6, 5, 9
	if l.Rate.Limit != 5 || l.Quota.Remaining != 4 || l.Quota.Refill.Amount != 10 {
		t.Fatalf("changing the clone changed the original: %+v %+v %+v", *l.Rate, *l.Quota, *l.Quota.Refill)
	}
	if none := (meter.Limits{}).Clone(); none.Rate != nil || none.Quota != nil {
		t.Fatalf("clone of none = %+v", none)
	}
}

func TestResetTo(t *testing.T) {
	now := time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)
	tests := []struct {
		name   string
		q      meter.Quota
		period time.Time
	}{
		{"no refill: no period", meter.Quota{Limit: 10, Remaining: 2, Period: now}, time.Time{}},
		{"daily: the day", meter.Quota{Limit: 10, Refill: &meter.Refill{Amount: 1, Interval: meter.Day}},
			time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{"monthly: the month", meter.Quota{Limit: 10, Refill: &meter.Refill{Amount: 1, Interval: meter.Month}},
			time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.q.ResetTo(7, now)
			if got.Remaining != 7 || !got.Period.Equal(tt.period) || !got.Reset || got.Limit != 10 {
				t.Fatalf("ResetTo = %+v, want 7 credits in the period from %v, reset", got, tt.period)
			}
			if rem, _ := got.At(now); rem != 7 {
				t.Fatalf("balance at once = %d, want 7", rem)
			}
		})
	}
}
