package loop

import "time"

// callback is one entry of the callback FIFO: fn(arg). Storing a function
// and a pointer argument separately lets the hub queue wake-ups without
// allocating.
type callback struct {
	fn  func(any)
	arg any
}

// Callback is a queued call made by RunCallback. It can be stopped until it
// runs.
type Callback struct {
	fn      func()
	stopped bool
	done    bool
}

// Stop cancels the call if it has not run yet.
func (c *Callback) Stop() { c.stopped = true }

// Pending reports whether the call is queued and not stopped.
func (c *Callback) Pending() bool { return !c.stopped && !c.done }

func runHandle(arg any) {
	c := arg.(*Callback)
	if c.stopped || c.done {
		return
	}
	c.done = true
	c.fn()
}

// RunCallback queues fn to run on the loop's goroutine in the next callback
// phase, after the callbacks already queued (gevent's loop.run_callback). It
// does not block. Must be called from the loop's goroutine.
func (l *Loop) RunCallback(fn func()) *Callback {
	c := &Callback{fn: fn}
	l.callbacks.push(callback{runHandle, c})
	return c
}

// Post queues fn(arg) like RunCallback, without a handle and without
// allocating when arg is a pointer. Must be called from the loop's goroutine.
func (l *Loop) Post(fn func(any), arg any) {
	l.callbacks.push(callback{fn, arg})
}

// PostThreadsafe queues fn(arg) from any goroutine and wakes the loop. The
// call runs on the loop's goroutine after the callbacks queued before the
// loop collects it. It returns ErrClosed if the loop is closed.
func (l *Loop) PostThreadsafe(fn func(any), arg any) error {
	l.tsMu.Lock()
	if l.closed {
		l.tsMu.Unlock()
		return ErrClosed
	}
	l.tsq = append(l.tsq, callback{fn, arg})
	l.tsPending.Store(true)
	l.tsMu.Unlock()
	return l.p.Wake()
}

// RunCallbackThreadsafe is PostThreadsafe for a plain function
// (gevent's loop.run_callback_threadsafe).
func (l *Loop) RunCallbackThreadsafe(fn func()) error {
	return l.PostThreadsafe(runFunc, fn)
}

func runFunc(arg any) { arg.(func())() }

// takeThreadsafe moves callbacks queued by other goroutines to the FIFO.
func (l *Loop) takeThreadsafe() {
	if !l.tsPending.Load() {
		return
	}
	l.tsMu.Lock()
	for i, c := range l.tsq {
		l.callbacks.push(c)
		l.tsq[i] = callback{}
	}
	l.tsq = l.tsq[:0]
	l.tsPending.Store(false)
	l.tsMu.Unlock()
}

// runCallbacks runs the FIFO, including callbacks queued meanwhile, until it
// is empty, Break is called, or the switch interval has passed since the
// last poll (checked every 50 callbacks, as gevent does). The count and the
// clock run across Runs that Break ends before they poll, so that a caller
// that breaks out and runs the loop again at once (a hub's owner spinning
// on Sleep(0)) cannot keep the loop from polling and running its timers.
func (l *Loop) runCallbacks() {
	l.takeThreadsafe()
	n := l.sincePoll // kept in a register; callbacks cannot poll
	defer func() { l.sincePoll = n }()
	for l.callbacks.len() > 0 && !l.breaking {
		// The clock is read from the 50th callback on, so that short batches
		// (the common case) do not pay for it.
		if n++; n%50 == 0 {
			if n == 50 {
				l.batchStart = time.Now()
			} else if time.Since(l.batchStart) >= l.interval {
				return
			}
		}
		c := l.callbacks.pop()
		c.fn(c.arg)
	}
}
