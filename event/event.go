package event

import (
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// Event is a flag that greenlets and goroutines can wait for
// (gevent.event.Event). Set raises it and wakes every waiter, in the order
// they started waiting; Clear lowers it; Wait blocks while it is down.
//
// The zero Event is ready to use, with the flag down. All methods may be
// called from any greenlet, hub or goroutine. An Event must not be copied
// after first use.
type Event struct {
	linkable             // embedded: JoinAll finds the Event's hub through it
	flag     atomic.Bool // written with linkable.mu held
}

var _ gevent.Waitable = (*Event)(nil)

// Set raises the flag and wakes all waiters in the order they started
// waiting. It never blocks; the woken greenlets run when their hub gets to
// them (after the caller yields, if they share its hub). Links registered
// with RawLink run as callbacks of the caller's hub, in the same order, or
// synchronously if the caller is a goroutine without a hub. Setting a set
// Event does nothing more.
func (e *Event) Set() {
	hubapi.Touch(&e.linkable.aff)
	e.linkable.mu.Lock()
	e.flag.Store(true)
	links := e.linkable.notifyLocked()
	e.linkable.mu.Unlock()
	runLinks(links)
}

// Clear lowers the flag. Waiters that Set already woke still return true.
func (e *Event) Clear() {
	hubapi.Touch(&e.linkable.aff)
	e.linkable.mu.Lock()
	e.flag.Store(false)
	e.linkable.mu.Unlock()
}

// IsSet reports whether the flag is up.
func (e *Event) IsSet() bool {
	hubapi.Touch(&e.linkable.aff)
	return e.flag.Load()
}

// Ready reports whether the flag is up; it makes Event a gevent.Waitable,
// so that gevent.JoinAll, Wait and IWait accept events.
func (e *Event) Ready() bool { return e.IsSet() }

// Wait blocks until the flag is set and returns nil. It returns at once if
// the flag is up, except that a greenlet (or a hub's owning goroutine) that
// finds it up while Set is still waking earlier waiters runs after them.
// It returns the error that interrupted the wait instead: the caller's kill
// or Timeout, gevent.ErrLoopExit on a hub's owning goroutine when nothing
// can set the Event (see the package documentation),
// gevent.ErrBlockingSwitchOut in a loop callback while the flag is down.
func (e *Event) Wait() error {
	_, err := e.wait(-1)
	return err
}

// WaitTimeout is Wait with a limit: it reports true when the flag was set
// at some moment during the wait, even if it was cleared before the caller
// ran again, and false, nil when d passed first. A waiter that timed out is
// no longer on the Event's list. With d <= 0 it does not wait: it reports
// IsSet.
func (e *Event) WaitTimeout(d time.Duration) (bool, error) {
	if d <= 0 {
		return e.IsSet(), nil
	}
	return e.wait(d)
}

func (e *Event) wait(d time.Duration) (bool, error) {
	shared := hubapi.Touch(&e.linkable.aff)
	e.linkable.mu.Lock()
	return e.linkable.waitLocked(e.flag.Load(), shared, d)
}

// RawLink registers fn to run once when the flag is next set (gevent's
// rawlink); if it is up, fn is queued at once. fn runs as a callback of the
// setting hub, or synchronously on a setting goroutine that has no hub (for
// an Event already set: on the caller's hub, or synchronously in RawLink
// on a goroutine without one). fn must not block or panic.
func (e *Event) RawLink(fn func()) gevent.LinkID {
	hubapi.Touch(&e.linkable.aff)
	e.linkable.mu.Lock()
	return e.linkable.rawLinkLocked(e.flag.Load(), fn)
}

// Unlink removes a link that has not run yet, also one that a notification
// has already queued (so a link can unlink another of the same notification,
// as in gevent); unknown ids are ignored.
func (e *Event) Unlink(id gevent.LinkID) { e.linkable.unlink(id) }

// LinkCount returns the number of waiters and links queued on the Event
// (gevent's linkcount).
func (e *Event) LinkCount() int { return e.linkable.linkCount() }

// Share marks the Event as used by several hubs or goroutines before any
// of them has touched it, so that a hub waiting on it first stays alive for
// the setter instead of reporting gevent.ErrLoopExit (see the package
// documentation). It never blocks.
func (e *Event) Share() { hubapi.Share(&e.linkable.aff) }
