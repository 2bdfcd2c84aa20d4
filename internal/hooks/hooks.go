// Package hooks is the seam through which package gevent lends its hub
// machinery to the rest of the module without exporting it, as package net
// keeps internal/poll. Package gevent sets every variable in its init, before
// any other package of the module can run; package hubapi wraps them in
// typed functions, which is what the sibling packages call. A hub travels as
// an any holding a *gevent.Hub (nil without a hub), a waiter as an any
// holding a *gevent.Waiter: converting a pointer to an interface does not
// allocate.
package hooks

import (
	"time"

	"github.com/geventgo/gevent/internal/loop"
)

var (
	// Here returns the calling goroutine's hub without creating one (nil
	// without a hub) and whether the caller is a loop callback of it.
	Here func() (hub any, inLoopCallback bool)
	// Loop returns a hub's event loop.
	Loop func(hub any) *loop.Loop

	// The Waiter operations that only the module's objects use (see the
	// methods of the same names, lower case, in package gevent).
	Rearm     func(w any)
	Reset     func(w any)
	Disarm    func(w any) bool
	Bound     func(w any) bool
	SwitchNow func(w any) bool
	SetRef    func(w any, ref bool)

	// Checkpoint returns the error a blocking call of the calling context
	// must fail with at once (a kill, an expired Timeout, a destroyed hub),
	// passing through the hub first as a blocking call does; nil, without a
	// switch, when there is none or the caller has no hub or is a loop
	// callback.
	Checkpoint func() error
	// PassThrough moves the calling greenlet to the tail of its hub's FIFO
	// and parks it until its turn comes; kills and Timeouts that arrive
	// meanwhile stay recorded for its next blocking call. It does nothing
	// for a caller without a hub or in a loop callback.
	PassThrough func()

	// The calling context looked up once, and the operations that take it
	// instead of looking it up again: Context returns the caller's hub (nil
	// without one) and task (nil without a hub or in a loop callback; a
	// *gevent.task as an opaque any). The task-taking functions must be
	// given a task that Context returned on the calling goroutine; WaitTask
	// also takes a nil task (a loop callback, a goroutine without a hub),
	// for which it is the Waiter's own Wait or WaitTimeout.
	Context         func() (hub, task any)
	CheckpointTask  func(task any) error
	PassThroughTask func(task any)
	TaskWaiter      func(task any, ref bool) any
	WaitTask        func(w, task any, d time.Duration) (bool, error)
	SwitchFrom      func(w, hub any) bool
	// Claim and HandOff wake a waiter of the calling task's hub in two
	// steps, for a waker that hands it an item under its object's lock:
	// Claim, under the lock, marks w switched (ok) and reports whether the
	// delivery was deferred to HandOff; if not, it was a Switch. HandOff,
	// after the lock is released, delivers it and, with yield, lets the
	// waiter run before the caller resumes.
	Claim   func(w, task any) (ok, deferred bool)
	HandOff func(w, task any, yield bool)

	// Per-context storage under package local: slot i of the calling
	// greenlet, hub goroutine or plain goroutine.
	LocalGet    func(i int) (any, bool)
	LocalSet    func(i int, v any)
	LocalDelete func(i int)
	// LocalReset drops every value of the calling greenlet (not of a hub
	// goroutine or a plain goroutine).
	LocalReset func()

	// HomeOf returns the hub that alone makes obj ready (an object of the
	// module that records its Affinity), or nil. Set by package hubapi.
	HomeOf func(obj any) any
)
