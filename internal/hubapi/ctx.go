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
	return hooks.WaitTask(w, c.task, d) // one frame: see waitTaskHook
}

// Switch is w.Switch called from the context: a waker on the waiting
// context's hub queues its resumption without looking up where it runs.
func (c Ctx) Switch(w *gevent.Waiter) bool {
	if c.hub == nil {
		return w.Switch()
	}
	return hooks.SwitchFrom(w, c.hub)
}

// Claim is the first step of a hand-off to the waiter w, for a waker that
// holds its object's lock: it wakes w as Switch does and reports whether it
// did, and whether the wake-up was deferred: then the caller must call
// c.HandOff(w, yield) as soon as it has released the lock, before it does
// anything else. A context without a task (a loop callback, a goroutine
// without a hub) gets Switch.
func (c Ctx) Claim(w *gevent.Waiter) (ok, deferred bool) {
	if c.task == nil {
		return c.Switch(w), false
	}
	return hooks.Claim(w, c.task)
}

// HandOff delivers the wake-up that Claim deferred. With yield it lets w's
// greenlet run before the caller resumes (the caller passes through the
// hub, as with PassThrough, and runs w's greenlet itself when it may): kills
// and Timeouts for the caller meanwhile stay for its next blocking call.
func (c Ctx) HandOff(w *gevent.Waiter, yield bool) { hooks.HandOff(w, c.task, yield) }
