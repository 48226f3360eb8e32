package sweep

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
)

// EventStore is where Forward reads the metering events the authorizer
// records (meter.Event) and keeps its progress.
type EventStore interface {
	// ListMeterEvents lists up to limit events of the hour starting at
	// hour, of the minute from and later, not marked forwarded, by ID.
	ListMeterEvents(ctx context.Context, projectID string, hour, from time.Time, limit int) ([]meter.Event, error)
	// MarkMeterEventForwarded marks an event published.
	MarkMeterEventForwarded(ctx context.Context, projectID string, e meter.Event) error
	// ForwardCursor is the first minute the next forward reads (zero: none
	// yet).
	ForwardCursor(ctx context.Context, projectID string) (time.Time, error)
	SetForwardCursor(ctx context.Context, projectID string, minute time.Time) error
}

// ActionForward is the forward schedule's input, {"action":"forward"}:
// forward the metering events, sweep nothing.
const ActionForward = "forward"

// Trigger is what starts the sweeper function: the sweep schedule's
// scheduled event (no action: a sweep), or the forward schedule's constant
// input (ActionForward).
type Trigger struct {
	events.EventBridgeEvent
	Action string `json:"action,omitempty"`
}

// Handle is the Lambda handler: one run at the clock's now, a forward for
// ActionForward, else a sweep.
func (s *Sweeper) Handle(ctx context.Context, t Trigger) (Result, error) {
	now := s.Clock.Now()
	switch t.Action {
	case "":
		return s.Run(ctx, now)
	case ActionForward:
		return s.Forward(ctx, now)
	}
	return Result{}, fmt.Errorf("sweeper: unknown action %q", t.Action)
}

// settle is how long after a minute ends Forward takes it as complete:
// meter.EventDeadline, and a margin for clocks that disagree.
const settle = meter.EventDeadline + 10*time.Second

// Forward publishes the metering events not yet published, oldest first,
// and moves its cursor to the first minute not complete by now; at most
// MaxItems a run, the next resumes. Delivery is at least once: each batch
// is published before it is marked, so a crash in between publishes it
// again, with the same IDs. None is lost: the cursor passes a minute only
// once no event of it can still be recorded (meter.EventDeadline) and all
// of it is marked, and the minutes after the cursor are read again.
func (s *Sweeper) Forward(ctx context.Context, now time.Time) (Result, error) {
	o := s.Options
	from, err := s.Store.ForwardCursor(ctx, o.ProjectID)
	if err != nil {
		return Result{}, err
	}
	if oldest := now.Add(-meter.EventRetention).Truncate(time.Minute); from.Before(oldest) {
		from = oldest
	}
	complete := now.Add(-settle).Truncate(time.Minute) // every minute before it is
	res := Result{Complete: true}
	for hour := from.Truncate(time.Hour); !hour.After(now); hour = hour.Add(time.Hour) {
		limit := o.MaxItems - res.Forwarded
		evs, err := s.Store.ListMeterEvents(ctx, o.ProjectID, hour, from, limit)
		if err != nil {
			return res, fmt.Errorf("forwarding the events of %s: %w", hour.Format(time.RFC3339), err)
		}
		if err := s.forwardEach(ctx, evs, &res); err != nil {
			return res, err
		}
		if len(evs) >= limit { // the bound, and maybe more: resume at the last one's minute
			res.Complete = false
			resume := from
			if len(evs) > 0 {
				resume = evs[len(evs)-1].Minute()
			}
			if resume.Before(complete) {
				complete = resume
			}
			break
		}
	}
	if complete.After(from) {
		return res, s.Store.SetForwardCursor(ctx, o.ProjectID, complete)
	}
	return res, nil
}

// forwardEach publishes evs ten at a time (one EventBridge PutEvents),
// marking each ten once published.
func (s *Sweeper) forwardEach(ctx context.Context, evs []meter.Event, res *Result) error {
	for batch := range slices.Chunk(evs, 10) {
		out := make([]Event, len(batch))
		for i, e := range batch {
			out[i] = Event{ID: e.ID(), Type: e.Type, ProjectID: s.Options.ProjectID, CredentialID: e.CredentialID,
				Kind: credential.Type(e.Kind), Owner: e.Owner, URL: e.URL, Source: e.Source, Time: e.Time}
		}
		if err := s.Publisher.Publish(ctx, out); err != nil {
			return err
		}
		for _, e := range batch {
			if err := s.Store.MarkMeterEventForwarded(ctx, s.Options.ProjectID, e); err != nil {
				return err
			}
		}
		res.Forwarded += len(batch)
	}
	return nil
}
