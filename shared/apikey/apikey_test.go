package apikey

import (
	"errors"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/meter"
)

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

func TestRotate(t *testing.T) {
	exp := t0.Add(48 * time.Hour)
	soon := t0.Add(time.Hour)
	cases := []struct {
		name    string
		expires *time.Time
		overlap time.Duration
		wantEnd time.Time
	}{
		{"default overlap", &exp, DefaultOverlap, t0.Add(DefaultOverlap)},
		{"zero ends at once", &exp, 0, t0},
		{"own expiry sooner", &soon, DefaultOverlap, soon},
		{"never expiring", nil, time.Hour, t0.Add(time.Hour)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, _, err := New("p", "usr_x", "n", nil, t0.Add(-time.Hour), c.expires, "")
			if err != nil {
				t.Fatal(err)
			}
			ended, next, tok, err := Rotate(old, t0, c.overlap, "")
			if err != nil {
				t.Fatal(err)
			}
			if !ended.ExpiresAt.Equal(c.wantEnd) || ended.RotatedTo != next.ID {
				t.Fatalf("ended = %+v", ended)
			}
			if next.ID == old.ID || next.Hash == old.Hash || tok == "" || next.Name != old.Name || next.Owner != old.Owner ||
				(c.expires == nil) != (next.ExpiresAt == nil) || c.expires != nil && !next.ExpiresAt.Equal(*c.expires) {
				t.Fatalf("successor = %+v", next)
			}
			if _, _, _, err := Rotate(ended, t0, 0, ""); !errors.Is(err, ErrRotated) {
				t.Fatalf("second rotation: %v", err)
			}
		})
	}
}

// TestRotateKeepsLimits: the successor carries old's rate limit and quota
// (copies, not shared), its quota starting at old's balance at the
// rotation, refills included; old keeps its own.
func TestRotateKeepsLimits(t *testing.T) {
	day := meter.Refill{Amount: 10, Interval: meter.Day}
	cases := []struct {
		name   string
		quota  *meter.Quota
		want   int64
		period time.Time
	}{
		{"no quota", nil, 0, time.Time{}},
		{"no refill", &meter.Quota{Limit: 100, Remaining: 7}, 7, time.Time{}},
		{"refilled since", &meter.Quota{Limit: 100, Remaining: 7, Refill: &day, Period: t0.Add(-48 * time.Hour).Truncate(24 * time.Hour)},
			27, t0.Truncate(24 * time.Hour)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, _, err := New("p", "usr_x", "n", nil, t0.Add(-time.Hour), nil, "")
			if err != nil {
				t.Fatal(err)
			}
			old.Limits = meter.Limits{Rate: &meter.RateLimit{Limit: 5, Window: time.Minute}, Quota: c.quota}
			ended, next, _, err := Rotate(old, t0, time.Hour, "")
			if err != nil {
				t.Fatal(err)
			}
			if next.Limits.Rate == nil || *next.Limits.Rate != *old.Limits.Rate || next.Limits.Rate == old.Limits.Rate {
				t.Fatalf("successor's rate limit = %+v", next.Limits.Rate)
			}
			if ended.Limits.Quota != c.quota {
				t.Fatal("old's quota changed")
			}
			q := next.Limits.Quota
			if c.quota == nil {
				if q != nil {
					t.Fatalf("successor's quota = %+v, want none", q)
				}
				return
			}
			if q == c.quota || q.Remaining != c.want || !q.Period.Equal(c.period) || !q.Reset || q.Limit != c.quota.Limit ||
				(q.Refill == nil) != (c.quota.Refill == nil) || q.Refill != nil && q.Refill == c.quota.Refill {
				t.Fatalf("successor's quota = %+v, want %d credits from %v", q, c.want, c.period)
			}
			if c.quota.Remaining != 7 {
				t.Fatalf("old's balance = %d, want 7", c.quota.Remaining)
			}
		})
	}
}

func TestStatusAt(t *testing.T) {
	exp := t0.Add(time.Hour)
	k := Key{Status: Inactive, ExpiresAt: &exp}
	if k.StatusAt(t0) != Inactive || k.StatusAt(exp) != Expired {
		t.Fatal(k.StatusAt(t0), k.StatusAt(exp))
	}
}
