package meter

import (
	"sync"
	"time"
)

// Event types: a credential refused over a rate limit (its own or its
// owner's), or over its quota.
const (
	EventRateLimited    = "credential.rate_limited"
	EventQuotaExhausted = "credential.quota_exhausted"
)

// Event timing.
const (
	// EventDeadline bounds how late an event is recorded: the authorizer
	// drops an event it has not written within EventDeadline of its Time,
	// so that once a minute has been over for EventDeadline (and the
	// clocks' disagreement) no event of it can still appear.
	EventDeadline = 20 * time.Second
	// EventRetention is how long a store keeps an event (its TTL): a
	// forwarder that stops for longer misses what is older.
	EventRetention = 24 * time.Hour
)

// minuteFormat spells the minute an event belongs to in its ID: fixed
// width, so IDs sort by minute.
const minuteFormat = "2006-01-02T15:04Z"

// Event is a credential refused over a limit, or (package scanning's
// credential.leaked, which shares the outbox) reported leaked. Stores keep
// at most one per credential, type and minute: the first refusal's.
type Event struct {
	Type         string    // EventRateLimited or EventQuotaExhausted (or credential.leaked)
	CredentialID string    // the refused credential's id
	Kind         string    // its type, as credential.Type spells it
	Owner        string    // its owner's user id
	Time         time.Time // when it was refused
	// URL and Source, of a leak: where the secret was found, and the kind
	// of place (GitHub's report's url and source).
	URL, Source string
}

// EventOf is the event announcing over, a refusal of a request that would
// have spent p at now by a credential of type kind.
func EventOf(p *Plan, over *Refusal, kind string, now time.Time) Event {
	typ := EventRateLimited
	if over.Reason == Exhausted {
		typ = EventQuotaExhausted
	}
	return Event{Type: typ, CredentialID: p.Credential, Kind: kind, Owner: p.Owner, Time: now.UTC()}
}

// Minute is the start of the minute e belongs to.
func (e Event) Minute() time.Time { return e.Time.UTC().Truncate(time.Minute) }

// Hour is the start of the hour e belongs to.
func (e Event) Hour() time.Time { return e.Time.UTC().Truncate(time.Hour) }

// ID names e within its project: its minute, credential and type, so the
// one event a store keeps per credential, type and minute has one ID, and
// IDs sort by minute. Consumers drop an ID they have seen.
func (e Event) ID() string { return MinuteID(e.Minute()) + "#" + e.CredentialID + "#" + e.Type }

// MinuteID is how an ID spells the minute starting at m: every ID of an
// event of m or later sorts after it, every earlier one before it.
func MinuteID(m time.Time) string { return m.UTC().Format(minuteFormat) }

// Once keeps an instance from recording an event more than once a minute
// per credential and type: stores keep one anyway, and trying costs a
// write. The zero value is ready; it forgets everything past maxLeases
// entries (at worst a write more).
type Once struct {
	mu   sync.Mutex
	last map[onceKey]time.Time // the minute of the last event tried
}

type onceKey struct{ credential, typ string }

// First reports whether e is the first event of its credential, type and
// minute this instance is asked about.
func (o *Once) First(e Event) bool {
	k, minute := onceKey{e.CredentialID, e.Type}, e.Minute()
	o.mu.Lock()
	defer o.mu.Unlock()
	if last, ok := o.last[k]; ok && !minute.After(last) {
		return false
	}
	if o.last == nil || len(o.last) >= maxLeases {
		o.last = map[onceKey]time.Time{}
	}
	o.last[k] = minute
	return true
}
