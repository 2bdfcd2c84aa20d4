package gevent

// Rearm binds w to the calling context and re-arms it, so that an object can
// keep one Waiter per direction and reuse it across waits instead of
// allocating one per wait. It is safe only when no waker of a previous wait
// can still call Switch or Throw on w: the object must have withdrawn w from
// every waker (under its own lock, or on the hub that runs the wakers) before
// rearming it.
func (w *Waiter) Rearm() {
	w.bind()
	w.ref = false
	w.Reset()
}

// Bound reports whether w belongs to the calling context, so that Wait may
// be called.
func (w *Waiter) Bound() bool {
	h, t := current()
	if h == nil {
		return w.ch != nil && w.t == nil && w.hub == nil
	}
	return w.t == t && w.hub == h
}
