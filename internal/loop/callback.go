package loop

import "time"

// callback is one entry of the callback FIFO: fn(arg). Storing a function
// and a pointer argument separately lets the hub queue wake-ups without
// allocating.
type callback struct {
	fn  func(any)
	arg any
	tag uint8 // PostTagged's tag; 0 for the others
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
	l.callbacks.push(callback{fn: runHandle, arg: c})
	return c
}

// Post queues fn(arg) like RunCallback, without a handle and without
// allocating when arg is a pointer. Must be called from the loop's goroutine.
func (l *Loop) Post(fn func(any), arg any) {
	l.callbacks.push(callback{fn: fn, arg: arg})
}

// PostTagged is Post for a callback that the loop's owner may also take
// from the head of the FIFO and carry out itself (TakeTagged); tag (not 0)
// tells the owner what the callback does.
func (l *Loop) PostTagged(fn func(any), arg any, tag uint8) {
	l.callbacks.push(callback{fn, arg, tag})
}

// PostTaggedThreadsafe is PostThreadsafe for a tagged callback (PostTagged).
func (l *Loop) PostTaggedThreadsafe(fn func(any), arg any, tag uint8) error {
	return l.postThreadsafe(callback{fn, arg, tag})
}

// TakeTagged pops the callback at the head of the FIFO and returns its
// argument and tag instead of running it, when the loop's callback phase is
// running (a callback of that phase calls it, directly or from a coroutine
// it resumed), no Break is pending, the head was queued by PostTagged, and
// the switch interval leaves room for one more callback; the taken callback
// counts against that bound like one the loop ran. The caller must then do
// what the callback would have done. Otherwise TakeTagged reports false and
// leaves the FIFO as it is: the caller returns to the loop, which runs the
// head itself (or polls first, when the interval has passed). Must be
// called from the loop's goroutine or a coroutine it resumed.
func (l *Loop) TakeTagged() (arg any, tag uint8, ok bool) {
	if !l.inCallbacks || l.breaking || l.callbacks.len() == 0 {
		return nil, 0, false
	}
	if c := l.callbacks.front(); c.tag == 0 || !l.spend() {
		return nil, 0, false
	}
	c := l.callbacks.pop()
	return c.arg, c.tag, true
}

// TakeDirect is TakeTagged for n callbacks that the loop's owner would post
// with PostTagged and take back at once: it reports whether the owner may
// carry them out directly instead, without queueing them, and counts them
// against the switch interval as callbacks the loop ran. That is when the
// callback phase is running, no Break is pending, the FIFO is empty (the
// callbacks would be next) and the interval leaves room for n more; otherwise
// the caller posts them. Must be called from the loop's goroutine or a
// coroutine it resumed.
func (l *Loop) TakeDirect(n int) bool {
	if !l.inCallbacks || l.breaking || l.callbacks.len() != 0 {
		return false
	}
	for range n {
		if !l.spend() {
			return false
		}
	}
	return true
}

// PostThreadsafe queues fn(arg) from any goroutine and wakes the loop. The
// call runs on the loop's goroutine after the callbacks queued before the
// loop collects it. It returns ErrClosed if the loop is closed.
func (l *Loop) PostThreadsafe(fn func(any), arg any) error {
	return l.postThreadsafe(callback{fn: fn, arg: arg})
}

func (l *Loop) postThreadsafe(c callback) error {
	l.tsMu.Lock()
	if l.closed {
		l.tsMu.Unlock()
		return ErrClosed
	}
	l.tsq = append(l.tsq, c)
	l.tsSeq.Add(1)
	l.tsPending.Store(true)
	l.tsMu.Unlock()
	return l.p.Wake()
}

// PostSeq returns how many times other goroutines have posted a callback to
// the loop (PostThreadsafe, RunCallbackThreadsafe) or sent one of its
// Asyncs. It may be called from any goroutine: a caller that reads the same
// count twice knows that nothing was posted in between.
func (l *Loop) PostSeq() uint64 { return l.tsSeq.Load() }

// IdleSeq returns PostSeq and whether everything posted up to that count has
// been collected: no callback of another goroutine waits in the thread-safe
// queue and no Async send is pending. The two are read together, so a post
// that idle does not see raises the count past seq. It must be called on the
// loop's goroutine.
func (l *Loop) IdleSeq() (seq uint64, idle bool) {
	l.tsMu.Lock()
	seq, idle = l.tsSeq.Load(), len(l.tsq) == 0
	l.tsMu.Unlock()
	for _, a := range l.asyncs {
		if a.sent.Load() {
			idle = false
		}
	}
	return seq, idle
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
// last poll (checked every 50 callbacks, as gevent does; see spend). The
// count and the clock run across Runs that Break ends before they poll, so
// that a caller that breaks out and runs the loop again at once (a hub's
// owner spinning on Sleep(0)) cannot keep the loop from polling and running
// its timers. Callbacks taken by TakeTagged count as run.
func (l *Loop) runCallbacks() {
	l.takeThreadsafe()
	l.inCallbacks = true
	for l.callbacks.len() > 0 && !l.breaking && l.spend() {
		c := l.callbacks.pop()
		c.fn(c.arg)
	}
	l.inCallbacks = false
}

// spend counts one more callback since the last poll and reports whether it
// may run: false once the switch interval has passed (the clock is read
// from the 50th callback on, every 50, so that short batches, the common
// case, do not pay for it), until the next poll.
func (l *Loop) spend() bool {
	if l.spent {
		return false
	}
	n := l.sincePoll + 1
	l.sincePoll = n
	if n%50 == 0 {
		if n == 50 {
			l.batchStart = time.Now()
		} else if time.Since(l.batchStart) >= l.interval {
			l.spent = true
			return false
		}
	}
	return true
}
