package apikey

import (
	"errors"
	"testing"
	"time"
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
			old, _, err := New("p", "usr_x", "n", nil, t0.Add(-time.Hour), c.expires)
			if err != nil {
				t.Fatal(err)
			}
			ended, next, tok, err := Rotate(old, t0, c.overlap)
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
			if _, _, _, err := Rotate(ended, t0, 0); !errors.Is(err, ErrRotated) {
				t.Fatalf("second rotation: %v", err)
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
