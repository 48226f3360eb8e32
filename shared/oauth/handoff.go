package oauth

import (
	"slices"
	"sync"
	"time"
)

// handoff passes reserved attempts from request to request within this
// process. A reservation is one count in the store's window counter,
// covering one credential check at a time: when a check proves right its
// reservation is given back, and when another request of the same counter
// is waiting (it found the limit reached while this process held
// reservations), the reservation goes straight to it instead of back to
// the store, for it to reserve again. The store's count is the same either
// way (one given back, one taken), and it still covers every check under
// way and every failure, so parallel guesses cannot pass the limit; what
// is saved is two conditional writes, and a right request that would have
// been answered 429 while other right requests held the counter waits for
// its turn instead. With Options.AttemptLinger, a right check's reservation
// no request waits for is kept that long for the next request of its
// counter (the giving back of one and the reservation of the next,
// combined into nothing). A Lambda instance serves one request at a time,
// never has a waiter and runs with no linger (frozen between invocations,
// it would keep the reservation for the rest of the window, and a few
// instances doing so could lock the client out), so there each grant still
// reserves and gives back.
type handoff struct {
	mu    sync.Mutex
	lines map[string]*line // by counter and window
}

// line is one counter's reservations in this process.
type line struct {
	held    int         // reservations this process holds under the counter (idle ones included)
	idle    int         // of those, settled right and kept for the next request (Options.AttemptLinger)
	waiting []chan bool // requests waiting: true hands one a reservation, false sends it back to the store
}

// took records a reservation made in the store under k.
func (o *handoff) took(k string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.lines == nil {
		o.lines = map[string]*line{}
	}
	l := o.lines[k]
	if l == nil {
		l = &line{}
		o.lines[k] = l
	}
	l.held++
}

// wait queues a request that found the counter k full and returns where
// its answer comes, or nil (answer 429) when this process holds no
// reservation under k that could come free.
func (o *handoff) wait(k string) chan bool { return o.queue(k, 1) }

// waitFull is wait before asking the store, when this process alone holds
// limit reservations under k (so the store's counter is full); nil when it
// holds fewer, and the store is to be asked.
func (o *handoff) waitFull(k string, limit int) chan bool { return o.queue(k, limit) }

// queue queues a request for a reservation under k when this process
// holds at least min.
func (o *handoff) queue(k string, min int) chan bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.lines[k]
	if l == nil || l.held < min {
		return nil
	}
	ch := make(chan bool, 1)
	l.waiting = append(l.waiting, ch)
	return ch
}

// take takes an idle reservation under k for a new request; false when
// there is none.
func (o *handoff) take(k string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.lines[k]
	if l == nil || l.idle == 0 {
		return false
	}
	l.idle--
	return true
}

// pass hands a reservation under k, its check settled right, to the
// first waiting request, or, when none waits and linger is set, keeps it
// idle for the next request for up to linger, after which giveBack gives
// it back (unless it was taken). false when neither: the caller gives it
// back to the store, then calls returned. Until then it still counts as
// held, so that a request finding the counter full meanwhile waits for the
// room the store is about to have.
func (o *handoff) pass(k string, linger time.Duration, giveBack func()) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.lines[k]
	switch {
	case l == nil:
		return false
	case len(l.waiting) > 0:
		l.waiting[0] <- true
		l.waiting = l.waiting[1:]
		return true
	case linger > 0:
		l.idle++
		time.AfterFunc(linger, func() {
			if o.take(k) {
				giveBack()
			}
		})
		return true
	}
	return false
}

// returned records a reservation under k given back to the store, where
// the first waiting request, if any, may now find room.
func (o *handoff) returned(k string) { o.drop(k, true) }

// spent records a reservation under k kept by a failed check.
func (o *handoff) spent(k string) { o.drop(k, false) }

// drop removes a settled reservation from those held under k (gaveBack:
// it went back to the store). Once this process holds none under k, every
// waiting request asks the store again.
func (o *handoff) drop(k string, gaveBack bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.lines[k]
	if l == nil {
		return
	}
	l.held--
	if gaveBack && len(l.waiting) > 0 {
		l.waiting[0] <- false
		l.waiting = l.waiting[1:]
	}
	if l.held <= 0 {
		o.wake(l)
	}
	o.tidy(k, l)
}

// wake sends every request waiting on l back to the store: this process
// holds no reservation under it that could come free.
func (o *handoff) wake(l *line) {
	for _, ch := range l.waiting {
		ch <- false
	}
	l.waiting = nil
}

// leave withdraws a waiting request that gives up; true when a
// reservation was handed to it meanwhile, which it must then settle.
func (o *handoff) leave(k string, ch chan bool) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if l := o.lines[k]; l != nil {
		if i := slices.Index(l.waiting, ch); i >= 0 {
			l.waiting = slices.Delete(l.waiting, i, i+1)
			o.tidy(k, l)
			return false
		}
	}
	select {
	case handed := <-ch: // answered before it gave up
		return handed
	default:
		return false
	}
}

// tidy forgets the line k once it holds and awaits nothing.
func (o *handoff) tidy(k string, l *line) {
	if l.held <= 0 && len(l.waiting) == 0 {
		delete(o.lines, k)
	}
}
