package jose

// Members reads a JSON object whose member values are all strings, one
// member at a time, so that a caller can refuse a name before reading its
// value:
//
//	m := NewMembers(s)
//	for m.Next() {
//		// m.Name(); then m.Value()
//	}
//	if !m.OK() { … }
type Members struct {
	p       Scanner
	name    string
	started bool
	bad     bool
}

// NewMembers starts reading s.
func NewMembers(s string) Members { return Members{p: NewScanner(s)} }

// Next reads the next member's name; false at the end of the object or on
// a syntax fault (then OK is false).
func (m *Members) Next() bool {
	if m.bad {
		return false
	}
	if !m.started {
		m.started = true
		if !m.p.Next('{') {
			m.bad = true
			return false
		}
		if m.p.Next('}') {
			m.bad = !m.p.End()
			return false
		}
	} else {
		switch {
		case m.p.Next(','):
		case m.p.Next('}'):
			m.bad = !m.p.End()
			return false
		default:
			m.bad = true
			return false
		}
	}
	name, ok := m.p.Str()
	if !ok || !m.p.Next(':') {
		m.bad = true
		return false
	}
	m.name = name
	return true
}

// Name is the member Next read.
func (m *Members) Name() string { return m.name }

// Value reads the member's value, which must be a string.
func (m *Members) Value() (string, bool) {
	v, ok := m.p.Str()
	m.bad = m.bad || !ok
	return v, ok
}

// OK reports whether everything read so far was well formed, and (after
// Next returned false) that nothing follows the object.
func (m *Members) OK() bool { return m.started && !m.bad }
