package authorizer

import (
	"sync"
	"time"
)

// RefusalLinesPerSecond is how many lines the authorizer logs per second
// for each reason it refuses a request for. The lines past it are counted,
// and the next line logged for that reason reports how many in
// "suppressed", so a flood of garbage tokens cannot flood the logs.
const RefusalLinesPerSecond = 10

// sampler holds back log lines past RefusalLinesPerSecond for each key: a
// key's second starts with its first line after its previous second ended,
// by the authorizer's clock. Keys are constants (the refusals' reasons),
// never taken from a request, so the map stays as small as their number.
// The zero value is ready to use; it is safe for concurrent use.
type sampler struct {
	mu      sync.Mutex
	windows map[string]*window
}

// window is one key's current second.
type window struct {
	start      time.Time
	written    int   // lines written since start
	suppressed int64 // lines held back since the last line written
}

// allow reports whether a line under key may be written at now and, when
// it may, how many lines under key were held back since the last one
// written (which the line then reports).
func (s *sampler) allow(key string, now time.Time) (bool, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windows[key]
	if w == nil {
		if s.windows == nil {
			s.windows = map[string]*window{}
		}
		w = &window{start: now}
		s.windows[key] = w
	}
	if !now.Before(w.start.Add(time.Second)) || now.Before(w.start) { // a new second, or the clock went back
		w.start, w.written = now, 0
	}
	if w.written >= RefusalLinesPerSecond {
		w.suppressed++
		return false, 0
	}
	w.written++
	held := w.suppressed
	w.suppressed = 0
	return true, held
}
