package loop

import (
	"sync/atomic"

	"github.com/geventgo/gevent/internal/poller"
)

// Async wakes the loop from another goroutine: Send may be called from any
// goroutine, and the callback runs once on the loop's goroutine for one or
// more Sends (libev's ev_async).
type Async struct {
	watcher
	cb   func()
	sent atomic.Bool
}

// NewAsync returns a stopped async watcher.
func (l *Loop) NewAsync(cb func()) *Async {
	return &Async{watcher: watcher{loop: l}, cb: cb}
}

// Start activates the watcher. Must be called from the loop's goroutine.
func (a *Async) Start() error {
	if a.closed || a.loop.closed {
		return ErrClosed
	}
	if a.activate() {
		a.loop.asyncs = append(a.loop.asyncs, a)
	}
	return nil
}

// Stop deactivates the watcher. Must be called from the loop's goroutine.
func (a *Async) Stop() {
	if !a.deactivate() {
		return
	}
	for i, o := range a.loop.asyncs {
		if o == a {
			a.loop.asyncs = append(a.loop.asyncs[:i], a.loop.asyncs[i+1:]...)
			break
		}
	}
}

// Close stops the watcher for good.
func (a *Async) Close() {
	a.Stop()
	a.closed = true
}

// Send marks the watcher and wakes the loop. It may be called from any
// goroutine, any number of times; Sends before the loop notices are
// coalesced. It returns an error only if waking the poller fails.
func (a *Async) Send() error {
	if a.sent.Swap(true) {
		return nil
	}
	a.loop.tsMu.Lock()
	a.loop.tsSeq.Add(1)
	closed := a.loop.closed
	a.loop.tsMu.Unlock()
	if closed {
		return ErrClosed
	}
	return a.loop.p.Wake()
}

// SendPending reports whether a Send has not been delivered yet.
func (a *Async) SendPending() bool { return a.sent.Load() }

func (a *Async) invoke(poller.Interest) { a.cb() }

// collectAsyncs queues the active async watchers that were sent.
func (l *Loop) collectAsyncs() {
	for _, a := range l.asyncs {
		if a.sent.Load() && a.sent.Swap(false) {
			l.feed(a, 0)
		}
	}
}
