// Package hubapi gives the packages of this module (event, queue, lock,
// local, pool, socket, server, httpserver, httpclient, internal/waitlist)
// the hub machinery that package gevent keeps out of its public API: the
// calling context, the hub's event loop, the Waiter operations for objects
// that reuse their Waiters, per-context slots and the Affinity of an object.
// It is internal, as net's internal/poll is: a gevent user calls the
// objects built on it, never it.
package hubapi

import (
	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hooks"
	"github.com/geventgo/gevent/internal/loop"
)

// Here returns the calling goroutine's hub without creating one (nil for a
// goroutine without a hub) and whether the caller is a loop callback of it:
// CurrentHubIfAny and InLoopCallback in one look-up, for objects that decide
// on every call how to wait.
func Here() (h *gevent.Hub, inLoopCallback bool) {
	a, cb := hooks.Here()
	h, _ = a.(*gevent.Hub)
	return h, cb
}

// CurrentHubIfAny returns the calling goroutine's hub without creating one,
// or nil.
func CurrentHubIfAny() *gevent.Hub {
	h, _ := Here()
	return h
}

// InLoopCallback reports whether the caller runs inside a loop callback of
// a hub, where blocking calls fail with gevent.ErrBlockingSwitchOut. Objects
// use it to hand off or fail at once instead of waiting (gevent's "calls
// from the hub never block").
func InLoopCallback() bool {
	_, cb := hooks.Here()
	return cb
}

// Loop returns h's event loop, for objects that register watchers on it.
// Its methods must be called on h's goroutines unless their documentation
// says otherwise.
func Loop(h *gevent.Hub) *loop.Loop { return hooks.Loop(h) }

// Rearm binds w to the calling context and re-arms it, so that an object can
// keep one Waiter per direction and reuse it across waits instead of
// allocating one per wait. It is safe only when no waker of a previous wait
// can still call Switch or Throw on w: the object must have withdrawn w from
// every waker (under its own lock, or on the hub that runs the wakers) before
// rearming it.
func Rearm(w *gevent.Waiter) { hooks.Rearm(w) }

// Reset re-arms a Waiter whose wait has ended, so that it can be used for
// another wait by the same context. Wakers of the previous wait must be
// gone. A Waiter bound to a hub that has been destroyed since is bound again
// to the calling context.
func Reset(w *gevent.Waiter) { hooks.Reset(w) }

// Disarm ends an arming without a wait, for an object that armed w (with
// Rearm or Reset) to make it visible to wakers and then found it need not
// wait: later Switch and Throw calls fail until the next Rearm or Reset. It
// reports false if a wake-up came first. A zero Waiter is armed; Disarm
// makes it idle.
func Disarm(w *gevent.Waiter) bool { return hooks.Disarm(w) }

// Bound reports whether w belongs to the calling context, so that Wait may
// be called.
func Bound(w *gevent.Waiter) bool { return hooks.Bound(w) }

// SwitchNow is Switch for the watchers of an event loop. Called from a loop
// callback of the hub whose greenlet waits on w, it switches into that
// greenlet at once and returns when the greenlet parks again or finishes,
// as gevent's hub does when an IO watcher fires, instead of queueing the
// resumption behind the callbacks already queued. Anywhere else it is
// Switch. The caller must call it last, holding no lock and relying on no
// state the greenlet may change while it runs.
func SwitchNow(w *gevent.Waiter) bool { return hooks.SwitchNow(w) }

// SetRef sets whether a waiting hub's loop counts the wait on w as work that
// keeps it alive, as a referenced watcher does. Set it when the waker lives
// on another hub or goroutine; without it, a hub with nothing else to do
// reports gevent.ErrLoopExit to its owning goroutine instead of waiting for
// that waker.
func SetRef(w *gevent.Waiter, ref bool) { hooks.SetRef(w, ref) }

// Checkpoint returns the error the caller's blocking call must fail with at
// once (a kill, an expired Timeout, a destroyed hub), after passing through
// the hub as a blocking call does; nil, without a switch, when there is
// none, the caller has no hub or it is a loop callback. An object calls it
// before an operation that may block but finds it need not (a Channel put
// to a waiting getter), so that the operation is still a point where kills
// and Timeouts are delivered.
func Checkpoint() error { return hooks.Checkpoint() }

// PassThrough lets the greenlets queued before the caller run, as
// Sleep(0) does, but keeps a kill or Timeout that arrives meanwhile for the
// caller's next blocking call instead of losing it. It does nothing for a
// caller without a hub or in a loop callback.
func PassThrough() { hooks.PassThrough() }
