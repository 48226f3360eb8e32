package meter_test

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/store/memory"
)

// TestRecord: counts are handed over ten seconds after the first one not
// yet written, and at the end of an hour, never twice.
func TestRecord(t *testing.T) {
	m := meter.New(memory.New(), project, 30*time.Second, time.Second)
	hour := t0.Truncate(time.Hour)
	for i, tc := range []struct {
		at         time.Duration // after t0
		authorized bool
		due        bool
		want       meter.Usage
	}{
		{at: 0, authorized: true},
		{at: time.Second, authorized: false},
		{at: 10 * time.Second, authorized: true, due: true, want: meter.Usage{Hour: hour, Authorized: 2, Refused: 1}},
		{at: 11 * time.Second, authorized: true},
		{at: 30*time.Minute + time.Second, authorized: false, due: true, want: meter.Usage{Hour: hour, Authorized: 1}},
		{at: 30*time.Minute + 2*time.Second, authorized: true},
	} {
		got, due := m.Record("key_a", t0.Add(tc.at), tc.authorized)
		if due != tc.due || due && (!got.Hour.Equal(tc.want.Hour) || got.Authorized != tc.want.Authorized || got.Refused != tc.want.Refused) {
			t.Fatalf("record %d: %+v, %v; want %+v, %v", i, got, due, tc.want, tc.due)
		}
	}
	if _, due := m.Record("key_b", t0, true); due {
		t.Fatal("another credential's first count was due")
	}
}
