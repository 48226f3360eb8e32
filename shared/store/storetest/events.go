package storetest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/meter"
)

// meterEvent is an event of credential of type typ at t0+at.
func meterEvent(credential, typ string, at time.Duration) meter.Event {
	return meter.Event{Type: typ, CredentialID: credential, Kind: "api_key", Owner: "usr_a", Time: t0.Add(at)}
}

// recordEvent records e in project p and checks whether it was kept.
func recordEvent(t *testing.T, s Store, p string, e meter.Event, want bool) {
	t.Helper()
	if got, err := s.RecordMeterEvent(context.Background(), p, e); err != nil || got != want {
		t.Fatalf("RecordMeterEvent(%s, %s) = %v, %v; want %v", p, e.ID(), got, err, want)
	}
}

// meterEventsOnce: a store keeps one event per credential, type and minute,
// also of 20 recorded at once, the first one's; another minute,
// credential, type or project is another event.
func meterEventsOnce(t *testing.T, s Store, p string) {
	const rate, quota = meter.EventRateLimited, meter.EventQuotaExhausted
	first := meterEvent("key_a", rate, 5*time.Second)
	recordEvent(t, s, p, first, true)
	recordEvent(t, s, p, meterEvent("key_a", rate, 59*time.Second), false)
	var kept atomic.Int64
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ok, err := s.RecordMeterEvent(context.Background(), p, meterEvent("key_c", rate, time.Duration(i)*2*time.Second))
			if err != nil {
				t.Error(err)
			}
			if ok {
				kept.Add(1)
			}
		})
	}
	wg.Wait()
	if kept.Load() != 1 {
		t.Fatalf("20 events of one minute recorded at once: %d kept, want 1", kept.Load())
	}
	for _, e := range []meter.Event{meterEvent("key_a", rate, time.Minute), meterEvent("key_b", rate, 0), meterEvent("key_a", quota, 0)} {
		recordEvent(t, s, p, e, true)
	}
	recordEvent(t, s, p+"x", first, true)
	got, err := s.ListMeterEvents(context.Background(), p, t0.Truncate(time.Hour), t0, 100)
	must(t, err)
	i := slices.IndexFunc(got, func(e meter.Event) bool { return e.ID() == first.ID() })
	if i < 0 || got[i].Type != first.Type || got[i].CredentialID != first.CredentialID || got[i].Kind != first.Kind ||
		got[i].Owner != first.Owner || !got[i].Time.Equal(first.Time) {
		t.Fatalf("listed %+v, want the first event %+v as recorded", got, first)
	}
}

// meterEventsList: events are listed by hour, from a minute on, by ID, up
// to a limit, until marked forwarded; marking is idempotent.
func meterEventsList(t *testing.T, s Store, p string) {
	ctx := context.Background()
	const rate, quota = meter.EventRateLimited, meter.EventQuotaExhausted
	evs := []meter.Event{ // in ID order
		meterEvent("key_b", rate, -time.Minute), meterEvent("key_a", quota, 10*time.Second),
		meterEvent("key_a", rate, 0), meterEvent("key_b", rate, time.Second), meterEvent("key_a", rate, time.Minute),
	}
	for _, e := range append(slices.Clone(evs), meterEvent("key_a", rate, time.Hour)) {
		recordEvent(t, s, p, e, true)
	}
	hour := t0.Truncate(time.Hour)
	list := func(hour, from time.Time, limit int, want ...meter.Event) {
		t.Helper()
		got, err := s.ListMeterEvents(ctx, p, hour, from, limit)
		must(t, err)
		if !slices.Equal(eventIDs(got), eventIDs(want)) {
			t.Fatalf("ListMeterEvents(%s, from %s, %d) = %v, want %v", hour, from, limit, eventIDs(got), eventIDs(want))
		}
	}
	list(hour, hour, 100, evs...)
	list(hour, t0, 100, evs[1:]...)
	list(hour, t0.Add(time.Minute), 100, evs[4])
	list(hour, t0, 2, evs[1:3]...)
	list(hour.Add(time.Hour), t0, 100, meterEvent("key_a", rate, time.Hour))
	list(hour.Add(-time.Hour), hour.Add(-time.Hour), 100)
	for _, e := range []meter.Event{evs[2], evs[2], meterEvent("key_z", rate, 0)} { // twice, and one never recorded
		must(t, s.MarkMeterEventForwarded(ctx, p, e))
	}
	list(hour, t0, 100, evs[1], evs[3], evs[4])
	must(t, s.MarkMeterEventForwarded(ctx, p+"x", evs[1])) // another project's: nothing
	list(hour, t0, 100, evs[1], evs[3], evs[4])
}

func eventIDs(evs []meter.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID()
	}
	return out
}

// forwardCursor: zero until set, then the minute set, per project.
func forwardCursor(t *testing.T, s Store, p string) {
	ctx := context.Background()
	for _, m := range []time.Time{{}, t0, t0.Add(time.Minute), t0.Add(-time.Hour)} {
		if !m.IsZero() {
			must(t, s.SetForwardCursor(ctx, p, m))
		}
		if got, err := s.ForwardCursor(ctx, p); err != nil || !got.Equal(m) {
			t.Fatalf("ForwardCursor = %v, %v; want %v", got, err, m)
		}
	}
	if got, err := s.ForwardCursor(ctx, p+"x"); err != nil || !got.IsZero() {
		t.Fatalf("another project's cursor = %v, %v", got, err)
	}
}
