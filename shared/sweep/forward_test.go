package sweep_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/store/storetest"
	"github.com/tollgate/tollgate/shared/sweep"
)

// meterEvent records an event of credential of type typ at at and
// returns it.
func meterEvent(t *testing.T, s storetest.Store, credential, typ string, at time.Time) meter.Event {
	t.Helper()
	e := meter.Event{Type: typ, CredentialID: credential, Kind: "api_key", Owner: "usr_owner", Time: at}
	if ok, err := s.RecordMeterEvent(context.Background(), project, e); err != nil || !ok {
		t.Fatalf("RecordMeterEvent(%s) = %v, %v", e.ID(), ok, err)
	}
	return e
}

// published returns the IDs o holds, in order.
func (o *outbox) published() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var ids []string
	for _, e := range o.events {
		ids = append(ids, e.ID)
	}
	return ids
}

// TestForward: each run publishes the events recorded since the last,
// whatever their minute (one recorded late in a minute already forwarded
// from too), across hours; a run with nothing new publishes nothing, and
// the cursor follows the minutes that are complete.
func TestForward(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s storetest.Store) {
		ctx := context.Background()
		o := &outbox{}
		a := meterEvent(t, s, "key_a", meter.EventRateLimited, t0)
		b := meterEvent(t, s, "key_b", meter.EventQuotaExhausted, t0.Add(10*time.Second))
		var late, next meter.Event
		for _, step := range []struct {
			name   string
			before func()
			at     time.Duration  // after t0
			want   []*meter.Event // set by the time the step runs
			cursor time.Time
		}{
			{name: "the first run", at: 40 * time.Second, want: []*meter.Event{&a, &b}, cursor: t0},
			{name: "one recorded later in the same minute", at: 50 * time.Second, want: []*meter.Event{&late}, cursor: t0,
				before: func() { late = meterEvent(t, s, "key_0", meter.EventRateLimited, t0.Add(45*time.Second)) }},
			{name: "nothing new", at: 55 * time.Second, cursor: t0},
			{name: "the minute complete", at: 2 * time.Minute, cursor: t0.Add(time.Minute)},
			{name: "the next hour", at: 30*time.Minute + 20*time.Second, want: []*meter.Event{&next}, cursor: t0.Add(29 * time.Minute),
				before: func() {
					next = meterEvent(t, s, "key_a", meter.EventRateLimited, t0.Add(30*time.Minute+10*time.Second))
				}},
		} {
			if step.before != nil {
				step.before()
			}
			before := len(o.published())
			res, err := sweeper(s, o, 1000).Forward(ctx, t0.Add(step.at))
			if err != nil || !res.Complete || res.Forwarded != len(step.want) {
				t.Fatalf("%s: %+v, %v; want %d forwarded", step.name, res, err, len(step.want))
			}
			got := o.events[before:]
			for i, e := range step.want {
				want := sweep.Event{ID: e.ID(), Type: e.Type, ProjectID: project, CredentialID: e.CredentialID,
					Kind: credential.TypeAPIKey, Owner: "usr_owner", Time: e.Time}
				if got[i].ID != want.ID || got[i].Type != want.Type || got[i].ProjectID != project || got[i].CredentialID != want.CredentialID ||
					got[i].Kind != want.Kind || got[i].Owner != want.Owner || !got[i].Time.Equal(want.Time) || !got[i].ExpiresAt.IsZero() {
					t.Fatalf("%s: event %d = %+v, want %+v", step.name, i, got[i], want)
				}
			}
			if c, err := s.ForwardCursor(ctx, project); err != nil || !c.Equal(step.cursor) {
				t.Fatalf("%s: cursor %s, %v; want %s", step.name, c, err, step.cursor)
			}
		}
	})
}

// failing publishes until it has published ok events, then fails.
type failing struct {
	outbox
	ok int
}

func (f *failing) Publish(ctx context.Context, events []sweep.Event) error {
	if len(f.published())+len(events) > f.ok {
		return errors.New("PutEvents: throttled")
	}
	return f.outbox.Publish(ctx, events)
}

// unmarking is a store whose marks fail: a crash between publishing and
// marking.
type unmarking struct{ storetest.Store }

func (unmarking) MarkMeterEventForwarded(context.Context, string, meter.Event) error {
	return errors.New("crashed")
}

// TestForwardAtLeastOnce: a failed publish is published by the next run,
// an unmarked one again with the same ID; nothing is lost.
func TestForwardAtLeastOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s storetest.Store) {
		ctx := context.Background()
		var ids []string
		for i := range 15 {
			ids = append(ids, meterEvent(t, s, "key_"+string(rune('a'+i)), meter.EventRateLimited, t0).ID())
		}
		now := t0.Add(5 * time.Minute)
		o := &failing{ok: 10}
		if res, err := sweeper(s, o, 1000).Forward(ctx, now); err == nil || res.Forwarded != 10 {
			t.Fatalf("a publish failing after 10: %+v, %v", res, err)
		}
		if c, _ := s.ForwardCursor(ctx, project); !c.IsZero() {
			t.Fatalf("the cursor moved to %s past unpublished events", c)
		}
		o.ok = 100
		if _, err := sweeper(unmarking{s}, o, 1000).Forward(ctx, now); err == nil {
			t.Fatal("a run whose marks failed succeeded")
		}
		if res, err := sweeper(s, o, 1000).Forward(ctx, now); err != nil || res.Forwarded != 5 {
			t.Fatalf("the run after: %+v, %v; want the last 5 again", res, err)
		}
		got := o.published()
		if len(got) != 20 || !slices.Equal(got[:15], ids) || !slices.Equal(got[15:], ids[10:]) {
			t.Fatalf("published %v; want %v, then the unmarked last 5 again", got, ids)
		}
	})
}

// TestForwardIsBounded: a run forwards at most MaxItems; the next resumes,
// and every event is published once.
func TestForwardIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s storetest.Store) {
		ctx := context.Background()
		for i := range 7 {
			meterEvent(t, s, "key_"+string(rune('a'+i)), meter.EventRateLimited, t0.Add(time.Duration(i/4)*time.Minute))
		}
		o := &outbox{}
		for i, want := range []sweep.Result{{Forwarded: 3}, {Forwarded: 3}, {Forwarded: 1, Complete: true}, {Complete: true}} {
			res, err := sweeper(s, o, 3).Forward(ctx, t0.Add(5*time.Minute))
			if err != nil || res != want {
				t.Fatalf("run %d: %+v, %v; want %+v", i, res, err, want)
			}
		}
		if got := o.published(); len(got) != 7 || len(slices.Compact(slices.Clone(got))) != 7 {
			t.Fatalf("published %v, want 7 events once each", got)
		}
	})
}

// TestHandle: the forward schedule's input forwards and sweeps nothing,
// a scheduled event sweeps and forwards nothing, another action fails.
func TestHandle(t *testing.T) {
	s := storetest.Store(memory.New())
	e := meterEvent(t, s, "key_a", meter.EventRateLimited, t0.Add(-time.Minute))
	key(t, s, t0.Add(-time.Hour))
	for _, tc := range []struct {
		name    string
		input   string
		want    string // the type of the one event published
		wantErr bool
	}{
		{"forward", `{"action":"forward"}`, meter.EventRateLimited, false},
		{"scheduled event", `{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`, sweep.EventExpired, false},
		{"unknown action", `{"action":"sweep-everything"}`, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in sweep.Trigger
			if err := json.Unmarshal([]byte(tc.input), &in); err != nil {
				t.Fatal(err)
			}
			o := &outbox{}
			sw := sweeper(s, o, 1000)
			sw.Clock = clock.NewFake(t0)
			_, err := sw.Handle(context.Background(), in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Handle: %v", err)
			}
			if tc.want != "" && (len(o.events) != 1 || o.events[0].Type != tc.want) {
				t.Fatalf("published %+v, want one %s", o.events, tc.want)
			}
			if tc.want == meter.EventRateLimited && o.events[0].ID != e.ID() {
				t.Fatalf("id %q, want %q", o.events[0].ID, e.ID())
			}
		})
	}
}

// TestEventJSON: an expiry event's JSON is as it was (no id); a metering
// event has its id and no expiresAt.
func TestEventJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    sweep.Event
		want string
	}{
		{"expiry", sweep.Event{Type: sweep.EventExpired, ProjectID: "p", CredentialID: "key_a", Kind: credential.TypeAPIKey, Owner: "usr_a",
			ExpiresAt: t0, Time: t0},
			`{"type":"credential.expired","projectId":"p","credentialId":"key_a","kind":"api_key","owner":"usr_a",` +
				`"expiresAt":"2026-11-23T19:30:00Z","time":"2026-11-23T19:30:00Z"}`},
		{"metering", sweep.Event{ID: "2026-11-23T19:30Z#key_a#credential.rate_limited", Type: meter.EventRateLimited, ProjectID: "p",
			CredentialID: "key_a", Kind: credential.TypeAPIKey, Owner: "usr_a", Time: t0},
			`{"id":"2026-11-23T19:30Z#key_a#credential.rate_limited","type":"credential.rate_limited","projectId":"p",` +
				`"credentialId":"key_a","kind":"api_key","owner":"usr_a","time":"2026-11-23T19:30:00Z"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if b, err := json.Marshal(tc.e); err != nil || string(b) != tc.want {
				t.Fatalf("JSON %s, %v\nwant %s", b, err, tc.want)
			}
		})
	}
}
