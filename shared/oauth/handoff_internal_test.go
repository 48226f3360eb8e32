package oauth

import (
	"testing"
	"time"
)

// answer is what a waiting request was told: "handed", "store" (ask the
// store again) or "none" yet.
func answer(ch chan bool) string {
	select {
	case handed := <-ch:
		if handed {
			return "handed"
		}
		return "store"
	default:
		return "none"
	}
}

func TestHandoff(t *testing.T) {
	const k = "client@192.0.2.1#0"
	cases := []struct {
		name string
		run  func(o *handoff, waiter chan bool) bool // with one reservation held and one request waiting
		want string
		more bool // what run returns
	}{
		{"a right check hands its reservation on", func(o *handoff, _ chan bool) bool { return o.pass(k, 0, nil) }, "handed", true},
		{"a wrong check sends the waiter to the store", func(o *handoff, _ chan bool) bool { o.spent(k); return false }, "store", false},
		{"a reservation given back to the store sends the waiter there", func(o *handoff, _ chan bool) bool { o.returned(k); return false }, "store", false},
		{"a waiter that leaves is told nothing", func(o *handoff, w chan bool) bool { return o.leave(k, w) }, "none", false},
		{"a waiter handed one as it leaves must settle it", func(o *handoff, w chan bool) bool { o.pass(k, 0, nil); return o.leave(k, w) }, "none", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var o handoff
			if o.wait(k) != nil {
				t.Fatal("a request waits though no reservation is held")
			}
			o.took(k)
			w := o.wait(k)
			if w == nil {
				t.Fatal("no wait while a reservation is held")
			}
			if got := c.run(&o, w); got != c.more {
				t.Errorf("returned %v, want %v", got, c.more)
			}
			if got := answer(w); got != c.want {
				t.Errorf("waiter told %q, want %q", got, c.want)
			}
		})
	}
}

// A wrong check with other reservations still held keeps the waiters
// waiting; the lines are forgotten once all is settled.
func TestHandoffSpentWhileHeld(t *testing.T) {
	const k = "client@192.0.2.1#0"
	var o handoff
	o.took(k)
	o.took(k)
	w := o.wait(k)
	o.spent(k)
	if got := answer(w); got != "none" {
		t.Fatalf("waiter told %q while a reservation is still held", got)
	}
	if o.pass(k, 0, nil) != true || answer(w) != "handed" {
		t.Fatal("the last reservation was not handed on")
	}
	o.returned(k)
	if len(o.lines) != 0 {
		t.Errorf("lines left: %v", o.lines)
	}
}

// With a linger, a right check's reservation that no request waits for is
// taken by the next request, or given back once the linger has passed.
func TestHandoffLinger(t *testing.T) {
	const k = "client@192.0.2.1#0"
	var o handoff
	gaveBack := make(chan bool, 2)
	giveBack := func() { o.returned(k); gaveBack <- true }
	o.took(k)
	if !o.pass(k, time.Hour, giveBack) {
		t.Fatal("not kept for the next request")
	}
	if !o.take(k) || o.take(k) {
		t.Fatal("the idle reservation was not taken exactly once")
	}
	if !o.pass(k, 10*time.Millisecond, giveBack) {
		t.Fatal("not kept for the next request")
	}
	select {
	case <-gaveBack:
	case <-time.After(5 * time.Second):
		t.Fatal("not given back after the linger")
	}
	if o.take(k) || len(o.lines) != 0 {
		t.Errorf("after giving back: lines %v", o.lines)
	}
}
