package gevent

// A hub that ensureHub created for a plain goroutine (the first gevent call
// there, not Run) is implicit: nothing owns it but the goroutine, which may
// exit without a word. It is released, as Destroy would, at the end of a
// blocking call of the owner that ran the loop (parkMain) when it is quiet
// there: no greenlet alive or waiting to start, no loop work (active
// referenced watcher, queued callback, threadsafe post) and no held Timeout,
// and nothing has had the *Hub or its loop handed out (pin). The
// goroutine's next gevent call makes a new hub; its local values and lock
// ownership carry over as they do across Destroy.
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
		!h.loop.Alive()
}

// release destroys a quiet implicit hub (see above).
func (h *Hub) release() {
	h.Destroy()
	// No look-up may find the hub any longer, even through a stale hint.
	h.curGoid.Store(0)
}
