package sweep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/store"
)

// Event names.
const (
	EventExpiring = "credential.expiring"
	EventExpired  = "credential.expired"
)

// Event is what the sweeper announces; it names credentials, never
// secrets. The expiry events carry ExpiresAt; the metering events it
// forwards (meter.EventRateLimited, meter.EventQuotaExhausted) carry ID
// instead.
type Event struct {
	// ID, on a metering event, is the same for every delivery of it (see
	// Forward): a consumer drops an ID it has seen.
	ID           string          `json:"id,omitempty"`
	Type         string          `json:"type"`
	ProjectID    string          `json:"projectId"`
	CredentialID string          `json:"credentialId"`
	Kind         credential.Type `json:"kind"` // the credential's type
	Owner        string          `json:"owner"`
	ExpiresAt    time.Time       `json:"expiresAt,omitzero"`
	// URL and Source, on credential.leaked: where the secret was found
	// and the kind of place (GitHub's report).
	URL    string    `json:"url,omitempty"`
	Source string    `json:"source,omitempty"`
	Time   time.Time `json:"time"`
}

// Store is what the sweep reads and writes: the store's expiry index
// (stores implement it without importing this package).
type Store interface {
	// ExpiryPage lists the index entries of one day expiring before before.
	ExpiryPage(ctx context.Context, projectID string, day, before time.Time, page store.Page) ([]store.ExpiryEntry, string, error)
	// MarkExpired marks a credential expired, drops it from the index and
	// sets its TTL; ErrNotFound if it is gone.
	MarkExpired(ctx context.Context, projectID string, e store.ExpiryEntry, deleteAfter time.Time) error
	// MarkNotified records that credential.expiring was sent; false if it
	// had been already.
	MarkNotified(ctx context.Context, projectID string, e store.ExpiryEntry) (bool, error)
	// SweepCursor is the first day the next sweep must look at (zero: none yet).
	SweepCursor(ctx context.Context, projectID string) (time.Time, error)
	SetSweepCursor(ctx context.Context, projectID string, day time.Time) error
	EventStore // the metering events Forward publishes
}

// Publisher delivers events (EventBridge in AWS, see functions/sweeper; an
// outbox locally).
type Publisher interface {
	Publish(ctx context.Context, events []Event) error
}

// Options configure a Sweeper.
type Options struct {
	ProjectID string
	Notice    time.Duration // how long before expiry credential.expiring is sent (7 days)
	Retention time.Duration // how long an expired record is kept before TTL deletion
	MaxItems  int           // credentials swept or events forwarded per run; the rest waits for the next run
	Lookback  time.Duration // how far back the very first run looks
}

// Configured is the options a deployment's settings give.
func Configured(cfg config.Config) Options {
	return Options{ProjectID: cfg.ProjectID, Notice: cfg.SweepNotice, Retention: cfg.SweepRetention,
		MaxItems: cfg.SweepMaxItems, Lookback: DefaultLookback}
}

// DefaultLookback is Options.Lookback's usual value. The defaults of the
// settings a deployment chooses (Notice, Retention, MaxItems) are config's.
const DefaultLookback = 31 * 24 * time.Hour

const (
	pageSize = 100
	day      = 24 * time.Hour
)

// Result counts what a run did.
type Result struct {
	Expired  int `json:"expired"`
	Expiring int `json:"expiring"`
	Days     int `json:"days"`
	// Forwarded counts the metering events a forward published.
	Forwarded int  `json:"forwarded,omitempty"`
	Complete  bool `json:"complete"` // false: the item bound stopped it; the next run resumes
}

// Sweeper runs sweeps.
type Sweeper struct {
	Store     Store
	Publisher Publisher
	Options   Options
	Clock     clock.Clock // for Handle
}

// errBound stops a run that has handled MaxItems.
var errBound = errors.New("sweep bound reached")

// Run sweeps once at now.
func (s *Sweeper) Run(ctx context.Context, now time.Time) (Result, error) {
	var res Result
	done, err := s.expire(ctx, now, &res)
	if err == nil && done {
		done, err = s.announce(ctx, now, &res)
	}
	res.Complete = err == nil && done
	return res, err
}

// expire marks the credentials expired by now expired, every day up to
// today, oldest first; the cursor moves past a day only once it is empty
// of expired credentials. False: the item bound stopped it.
func (s *Sweeper) expire(ctx context.Context, now time.Time, res *Result) (bool, error) {
	o := s.Options
	today := now.UTC().Truncate(day)
	from, err := s.Store.SweepCursor(ctx, o.ProjectID)
	if err != nil {
		return false, err
	}
	if from.IsZero() {
		from = today.Add(-o.Lookback)
	}
	for d := from; !d.After(today); d = d.Add(day) {
		res.Days++
		err := s.each(ctx, d, now, res, func(e store.ExpiryEntry) error {
			// The record is written with the change (none if it was revoked or gone already).
			actx := audit.With(ctx, audit.New(o.ProjectID, audit.Sweeper, audit.CredentialExpired, audit.Credential(e.Type, e.ID), "", "", now))
			if err := s.Store.MarkExpired(actx, o.ProjectID, e, e.ExpiresAt.Add(o.Retention)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			res.Expired++
			return s.Publisher.Publish(ctx, []Event{s.event(EventExpired, e, now)})
		})
		if errors.Is(err, errBound) {
			return false, s.Store.SetSweepCursor(ctx, o.ProjectID, d)
		}
		if err != nil {
			return false, err
		}
		if d.Before(today) {
			if err := s.Store.SetSweepCursor(ctx, o.ProjectID, d.Add(day)); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

// announce sends credential.expiring, once each, for the credentials that
// expire from now to the notice horizon. False: the item bound stopped it.
func (s *Sweeper) announce(ctx context.Context, now time.Time, res *Result) (bool, error) {
	horizon := now.Add(s.Options.Notice)
	for d := now.UTC().Truncate(day); !d.After(horizon); d = d.Add(day) {
		err := s.each(ctx, d, horizon, res, func(e store.ExpiryEntry) error {
			if e.Notified || !e.ExpiresAt.After(now) {
				return nil
			}
			// Sent first, then recorded: at worst a crash repeats a notice,
			// it never loses one. The sweeper runs one at a time.
			if err := s.Publisher.Publish(ctx, []Event{s.event(EventExpiring, e, now)}); err != nil {
				return err
			}
			if _, err := s.Store.MarkNotified(ctx, s.Options.ProjectID, e); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			res.Expiring++
			return nil
		})
		if errors.Is(err, errBound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// each calls f for every index entry of day expiring before before,
// stopping with errBound after MaxItems handled in the run.
func (s *Sweeper) each(ctx context.Context, d, before time.Time, res *Result, f func(store.ExpiryEntry) error) error {
	page := store.Page{Limit: pageSize}
	for {
		entries, next, err := s.Store.ExpiryPage(ctx, s.Options.ProjectID, d, before, page)
		if err != nil {
			return fmt.Errorf("sweeping %s: %w", d.Format(time.DateOnly), err)
		}
		for _, e := range entries {
			if res.Expired+res.Expiring >= s.Options.MaxItems {
				return errBound
			}
			if err := f(e); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		page.Cursor = next
	}
}

func (s *Sweeper) event(typ string, e store.ExpiryEntry, now time.Time) Event {
	return Event{Type: typ, ProjectID: s.Options.ProjectID, CredentialID: e.ID, Kind: e.Type, Owner: e.Owner,
		ExpiresAt: e.ExpiresAt, Time: now}
}
