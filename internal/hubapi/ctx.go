package hubapi

import (
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hooks"
)

// Ctx is the calling context, looked up once (Current) and passed to the
// operations that would otherwise each look it up again: an object's hot
// path (a Channel put or get) pays for one goroutine-identity look-up
// instead of one per step. A Ctx is valid only on the goroutine that
// called Current, for the duration of that call into the object: it must
// not be stored or passed to another goroutine.
type Ctx struct {
	hub  *gevent.Hub
	task any // the calling greenlet or hub goroutine; nil without a hub or in a loop callback
}

// Current returns the calling context.
func Current() Ctx {
	h, t := hooks.Context()
	hub, _ := h.(*gevent.Hub)
	return Ctx{hub: hub, task: t}
}

// Hub returns the context's hub, nil for a goroutine without one.
func (c Ctx) Hub() *gevent.Hub { return c.hub }

// InLoopCallback reports whether the context is a loop callback of its hub
// (see the function InLoopCallback).
func (c Ctx) InLoopCallback() bool { return c.hub != nil && c.task == nil }

// Checkpoint is the function Checkpoint for the context.
func (c Ctx) Checkpoint() error {
	if c.task == nil {
		return nil
	}
	return hooks.CheckpointTask(c.task)
}

// PassThrough is the function PassThrough for the context.
func (c Ctx) PassThrough() {
	if c.task != nil {
		hooks.PassThroughTask(c.task)
	}
}

// Waiter returns the Waiter that the context reuses for its waits on the
// module's objects, bound to it and re-armed with SetRef(ref), or nil for
// a goroutine without a hub or a loop callback (which need a new Waiter).
// The previous wait on it must be over and no waker may still reach it:
// see waitlist.ContextWaiter, its only user.
func (c Ctx) Waiter(ref bool) *gevent.Waiter {
	if c.task == nil {
		return nil
	}
	return hooks.TaskWaiter(c.task, ref).(*gevent.Waiter)
}

// Wait waits on w, forever when d < 0 and at most d otherwise, as
// w.Wait and w.WaitTimeout do, for the context that w belongs to. It
// reports whether a waker switched w; otherwise err is the error that ended
// the wait, or nil when d passed.
func (c Ctx) Wait(w *gevent.Waiter, d time.Duration) (bool, error) {
	if c.task != nil {
		return hooks.WaitTask(w, c.task, d)
	}
	if d < 0 {
		err := w.Wait()
		return err == nil, err
	}
	return w.WaitTimeout(d)
}

// Switch is w.Switch called from the context: a waker on the waiting
// context's hub queues its resumption without looking up where it runs.
func (c Ctx) Switch(w *gevent.Waiter) bool {
	if c.hub == nil {
		return w.Switch()
	}
	return hooks.SwitchFrom(w, c.hub)
}

// TouchIn is Touch for the context c.
func TouchIn(a *Affinity, c Ctx) bool {
	if a.shared.Load() {
		return true
	}
	h := c.hub
	if h == nil {
		a.shared.Store(true)
		return true
	}
	if home := a.home.Load(); home == h || (home == nil && a.home.CompareAndSwap(nil, h)) {
		return false
	}
	a.shared.Store(true)
	return true
}
