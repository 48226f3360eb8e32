package meter_test

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/meter"
)

// TestEventOf: a refusal over a rate limit (the credential's or its
// owner's) is credential.rate_limited, over a quota
// credential.quota_exhausted, named by the credential and its minute.
func TestEventOf(t *testing.T) {
	p := &meter.Plan{Credential: "key_a", Owner: "usr_a"}
	at := t0.Add(42*time.Second + time.Millisecond)
	for _, tc := range []struct {
		name   string
		reason string
		typ    string
	}{
		{"rate limit", meter.RateLimited, meter.EventRateLimited},
		{"quota", meter.Exhausted, meter.EventQuotaExhausted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := meter.EventOf(p, &meter.Refusal{Reason: tc.reason}, "api_key", at)
			want := meter.Event{Type: tc.typ, CredentialID: "key_a", Kind: "api_key", Owner: "usr_a", Time: at}
			if e != want {
				t.Fatalf("EventOf = %+v, want %+v", e, want)
			}
			if id := e.ID(); id != "2026-11-23T19:30Z#key_a#"+tc.typ {
				t.Fatalf("ID = %q", id)
			}
			if !e.Minute().Equal(t0) || !e.Hour().Equal(t0.Truncate(time.Hour)) {
				t.Fatalf("minute %s, hour %s", e.Minute(), e.Hour())
			}
		})
	}
}

// TestEventIDsSortByMinute: IDs sort by minute, and MinuteID(m) sorts
// after every ID of an earlier minute and before every one of m or later.
func TestEventIDsSortByMinute(t *testing.T) {
	early := meter.Event{Type: meter.EventRateLimited, CredentialID: "key_zzz", Time: t0.Add(59 * time.Second)}
	late := meter.Event{Type: meter.EventRateLimited, CredentialID: "key_aaa", Time: t0.Add(time.Minute)}
	if !(early.ID() < meter.MinuteID(late.Minute()) && meter.MinuteID(late.Minute()) < late.ID()) {
		t.Fatalf("%q, %q, %q out of order", early.ID(), meter.MinuteID(late.Minute()), late.ID())
	}
}

// TestOnce: the first event of a credential, type and minute passes, the
// others of that minute do not; another minute, credential or type does.
func TestOnce(t *testing.T) {
	var o meter.Once
	ev := func(cred, typ string, at time.Duration) meter.Event {
		return meter.Event{Type: typ, CredentialID: cred, Time: t0.Add(at)}
	}
	for i, tc := range []struct {
		e    meter.Event
		want bool
	}{
		{ev("key_a", meter.EventRateLimited, 0), true},
		{ev("key_a", meter.EventRateLimited, 59*time.Second), false},
		{ev("key_a", meter.EventQuotaExhausted, time.Second), true},
		{ev("key_b", meter.EventRateLimited, time.Second), true},
		{ev("key_a", meter.EventRateLimited, time.Minute), true},
		{ev("key_a", meter.EventRateLimited, 30*time.Second), false}, // an earlier minute, late
		{ev("key_a", meter.EventRateLimited, 90*time.Second), false},
	} {
		if got := o.First(tc.e); got != tc.want {
			t.Errorf("event %d (%s): First = %v, want %v", i, tc.e.ID(), got, tc.want)
		}
	}
}
