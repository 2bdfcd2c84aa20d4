package loop

import (
	"time"

	"github.com/geventgo/gevent/internal/poller"
)

// Timer calls its callback once after a delay, and then every repeat interval
// if one is set. Deadlines are measured from the cached loop time (Now), as in
// libev; call UpdateNow first to measure from the present instant.
type Timer struct {
	watcher
	cb     func()
	at     int64 // deadline, ns since loop base
	repeat int64
	seq    uint64
	index  int // position in the heap; -1 when not in it
}

// NewTimer returns a stopped timer that calls cb on the loop's goroutine.
func (l *Loop) NewTimer(cb func()) *Timer {
	return &Timer{watcher: watcher{loop: l}, cb: cb, index: -1}
}

// Start arms the timer to fire after the given delay and then, if repeat is
// positive, every repeat. A negative delay counts as zero; a timer due now
// fires in the current or next iteration, never inside Start. Starting an
// active timer restarts it. It returns ErrClosed on a closed timer or loop.
func (t *Timer) Start(after, repeat time.Duration) error {
	if t.closed || t.loop.closed {
		return ErrClosed
	}
	t.stopHeap()
	t.deactivate()
	if after < 0 {
		after = 0
	}
	t.at = t.loop.nowNS() + int64(after)
	t.repeat = max(int64(repeat), 0)
	t.activate()
	t.loop.timers.push(t)
	return nil
}

// Again restarts a repeating timer from now with its repeat interval, or stops
// it when repeat is zero (libev's ev_timer_again).
func (t *Timer) Again() error {
	if t.repeat == 0 {
		t.Stop()
		return nil
	}
	return t.Start(time.Duration(t.repeat), time.Duration(t.repeat))
}

// Stop disarms the timer and cancels a pending call. Stopping a stopped timer
// does nothing.
func (t *Timer) Stop() {
	t.stopHeap()
	t.deactivate()
}

// Close stops the timer for good.
func (t *Timer) Close() {
	t.Stop()
	t.closed = true
}

// Remaining returns the time until the timer fires, measured from the cached
// loop time, or 0 when it is not active.
func (t *Timer) Remaining() time.Duration {
	if !t.active {
		return 0
	}
	return time.Duration(max(t.at-t.loop.nowNS(), 0))
}

func (t *Timer) stopHeap() {
	if t.index >= 0 {
		t.loop.timers.remove(t)
	}
}

func (t *Timer) invoke(poller.Interest) {
	if t.repeat == 0 {
		t.deactivate()
	}
	t.cb()
}

// collectTimers moves every expired timer to the pending queue, rearming
// repeating ones. A zero-delay timer started by a timer or watcher callback
// is collected in the next iteration; one started by a queued callback
// (which runs before the poll) may be collected in the same one.
func (l *Loop) collectTimers() {
	if l.timers.len() == 0 {
		return
	}
	l.nowNS()
	for l.timers.len() > 0 {
		t := l.timers.min()
		if t.at > l.now {
			return
		}
		l.timers.remove(t)
		if t.repeat > 0 {
			t.at += t.repeat
			if t.at <= l.now {
				t.at = l.now + t.repeat
			}
			l.timers.push(t)
		}
		l.feed(t, 0)
	}
}
