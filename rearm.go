package gevent

// rearm binds w to the calling context and re-arms it (hubapi.Rearm).
func (w *Waiter) rearm() {
	w.bind()
	w.ref = false
	w.reset()
}

// bound reports whether w belongs to the calling context (hubapi.Bound).
func (w *Waiter) bound() bool {
	h, t := current()
	if h == nil {
		return w.ch != nil && w.t == nil && w.hub == nil
	}
	return w.t == t && w.hub == h
}
