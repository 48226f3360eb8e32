package devstack

import "time"

// workerIdle is how long an idle worker waits for a call before it ends.
const workerIdle = 10 * time.Second

// workers run Lambda invocations on goroutines kept for reuse. A goroutine
// whose stack has grown to what a handler needs keeps it for the next
// call, where a goroutine per call grew its stack anew each time (a tenth
// of the gateway's time under load).
type workers struct {
	idle chan func() // an idle worker receives here
}

func newWorkers() *workers { return &workers{idle: make(chan func())} }

// run calls f on an idle worker, or on a new one when none is idle.
func (w *workers) run(f func()) {
	select {
	case w.idle <- f:
	default:
		go w.loop(f)
	}
}

// loop calls f, then every call handed to it, until it has been idle for
// workerIdle.
func (w *workers) loop(f func()) {
	timer := time.NewTimer(workerIdle)
	defer timer.Stop()
	for {
		f()
		timer.Reset(workerIdle)
		select {
		case f = <-w.idle:
		case <-timer.C:
			return
		}
	}
}
