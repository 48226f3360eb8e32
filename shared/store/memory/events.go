package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/meter"
)

// storedEvent is a metering event and whether the forwarder published it.
type storedEvent struct {
	meter.Event
	forwarded bool
}

// RecordMeterEvent stores e unless its credential has an event of its
// type in its minute already: false then.
func (s *Store) RecordMeterEvent(_ context.Context, projectID string, e meter.Event) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := projectKey{projectID, e.ID()}
	if _, ok := s.events[k]; ok {
		return false, nil
	}
	e.Time = e.Time.UTC()
	s.events[k] = storedEvent{Event: e}
	return true, nil
}

// ListMeterEvents lists up to limit events of the hour starting at hour,
// of the minute from and later, not marked forwarded, by ID.
func (s *Store) ListMeterEvents(_ context.Context, projectID string, hour, from time.Time, limit int) ([]meter.Event, error) {
	defer s.reading()()
	var out []meter.Event
	for k, e := range s.events {
		if k.project == projectID && e.Hour().Equal(hour) && k.id >= meter.MinuteID(from) && !e.forwarded {
			out = append(out, e.Event)
		}
	}
	slices.SortFunc(out, func(a, b meter.Event) int { return strings.Compare(a.ID(), b.ID()) })
	return out[:min(len(out), limit)], nil
}

// MarkMeterEventForwarded marks e published; nothing if it is gone.
func (s *Store) MarkMeterEventForwarded(_ context.Context, projectID string, e meter.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := projectKey{projectID, e.ID()}
	if stored, ok := s.events[k]; ok {
		stored.forwarded = true
		s.events[k] = stored
	}
	return nil
}

// ForwardCursor is the first minute the next forward reads.
func (s *Store) ForwardCursor(_ context.Context, projectID string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forwards[projectID], nil
}

// SetForwardCursor stores the first minute the next forward reads.
func (s *Store) SetForwardCursor(_ context.Context, projectID string, minute time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forwards[projectID] = minute
	return nil
}
