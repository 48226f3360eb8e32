package jose

import "testing"

func TestMembers(t *testing.T) {
	cases := []struct {
		in   string
		want string // name=value pairs read
		ok   bool
	}{
		{`{}`, "", true},
		{` {"a":"1", "b":"2"} `, "a=1 b=2 ", true},
		{`{"a":"1",}`, "a=1 ", false},
		{`{"a":1}`, "", false},
		{`{"a":"1"} x`, "a=1 ", false},
		{`{"a" "1"}`, "", false},
		{`[]`, "", false},
		{``, "", false},
	}
	for _, c := range cases {
		m := NewMembers(c.in)
		got := ""
		for m.Next() {
			v, ok := m.Value()
			if !ok {
				break
			}
			got += m.Name() + "=" + v + " "
		}
		if got != c.want || m.OK() != c.ok {
			t.Errorf("%q: read %q ok=%v, want %q ok=%v", c.in, got, m.OK(), c.want, c.ok)
		}
	}
}
