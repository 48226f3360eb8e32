package meter

import "time"

// flushEvery is how long an instance keeps a credential's usage counts
// before it writes them: counts not yet written when an instance ends are
// lost, at most this much of its traffic.
const flushEvery = 10 * time.Second

// tally is a credential's counts not yet written.
type tally struct {
	Usage
	since time.Time // the first count not yet written
}

// Record counts one decision on credential at now: authorized or refused.
// When the credential's counts are due to be written (flushEvery after
// the first unwritten one, or a new hour), it hands them over (due) and
// starts counting afresh: the caller writes them with Store.AddUsage.
func (m *Meter) Record(credential string, now time.Time, authorized bool) (counts Usage, due bool) {
	hour := now.Truncate(time.Hour)
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tallies[credential]
	if ok && !t.Hour.Equal(hour) {
		counts, due = t.Usage, true // the hour has ended: hand it over first
		t = nil
	}
	if t == nil {
		if len(m.tallies) >= maxLeases {
			clear(m.tallies) // counts lost, as when an instance ends
		}
		t = &tally{Usage: Usage{Hour: hour}, since: now}
		m.tallies[credential] = t
	}
	if authorized {
		t.Authorized++
	} else {
		t.Refused++
	}
	if !due && now.Sub(t.since) >= flushEvery {
		counts, due = t.Usage, true
		delete(m.tallies, credential)
	}
	return counts, due
}
