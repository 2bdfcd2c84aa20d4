package gevent

// A hub that ensureHub created for a plain goroutine (the first gevent call
// there, not Run) is implicit: nothing owns it but the goroutine, which may
// exit without a word. It is released, as Destroy would, when a blocking
// call of the owner that ran the loop (park, through parkMain) returns and
// the hub is quiet then:
//
//   - no greenlet alive, and none made by New and not started or killed;
//   - no loop work: no active referenced watcher, queued callback or
//     threadsafe post. The call's own timer (a bounded wait: JoinTimeout,
//     WaitTimeout, a timed Get) and its own SetRef count no longer: the
//     wait is over;
//   - no held Timeout, and no kill or expired Timeout pending on the owner;
//   - no Waiter made by NewWaiter on the owner whose wait has not returned
//     (task.holds): such a Waiter must find its hub when the owner waits on
//     it, after whatever other blocking calls come first;
//   - nothing has had the *Hub or its loop handed out (pin).
//
// The goroutine's next gevent call makes a new hub; its local values and
// lock ownership carry over as they do across Destroy. A Waiter already
// woken when its hub goes stays woken: its Wait on the owner still returns
// its result.
//
// The released loop is closed, not kept for reuse: objects made on the hub
// (a dead Greenlet's handle, a one-shot Waiter) may still hold the *Hub,
// and a closed loop drops their late posts, as a destroyed hub's does,
// where a reused loop would run them on another goroutine's hub.

// pin marks h as handed out: an implicit hub is never released then. Any
// goroutine may call it.
func (h *Hub) pin() {
	if h.implicit && !h.pinned.Load() {
		h.pinned.Store(true)
	}
}

// quiet reports whether an implicit, unpinned hub has nothing left that
// would need it. Called by the owner outside of greenlets.
func (h *Hub) quiet() bool {
	return !h.pinned.Load() && !h.destroyed.Load() &&
		h.unstarted.Load() == 0 &&
		len(h.free) == len(h.workers) &&
		len(h.heldTimeouts) == 0 &&
		h.main.killErr == nil && h.main.pendingTimeout == nil &&
		h.main.holds == 0 &&
		!h.loop.Alive()
}

// releaseIfQuiet ends the owner's park on w, which is over (w is woken and
// its ref dropped), and releases the implicit hub if it is quiet now.
func (h *Hub) releaseIfQuiet(w *Waiter) {
	t := &h.main
	if !w.Ready() {
		return
	}
	w.unhold()
	if t.timer != nil && t.timerW == w {
		t.timer.Stop() // the bounded wait's timer: the caller would stop it next
	}
	if h.quiet() {
		h.release()
	}
}

// release destroys a quiet implicit hub (see above).
func (h *Hub) release() {
	h.Destroy()
	// No look-up may find the hub any longer, even through a stale hint.
	h.curGoid.StoreRelease(0)
}
