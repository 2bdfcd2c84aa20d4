// Package lock provides gevent's locks for greenlets, hubs and goroutines
// (gevent.lock): Semaphore, its bounded form, DummySemaphore and RLock.
//
// # Concurrency model
//
// Every method may be called from any goroutine: greenlets of one hub or of
// several, hubs' owning goroutines, and plain goroutines without a hub. A
// blocked caller parks on a gevent.Waiter, so a blocked greenlet lets the
// other greenlets of its hub run, and a plain goroutine parks on a channel.
// The state is guarded by a mutex that is never held across a switch; an
// uncontended Semaphore Acquire or Release is one atomic read-modify-write.
//
// Blocked callers are served in the order they blocked, and the permit or
// the lock goes straight from Release to the first of them. A caller that
// gives up at that moment (its timeout, a Kill, a Timeout) does not take
// it: it goes to the next caller, or back to the counter. No permit is ever
// lost.
//
// An object used by the greenlets of one hub only keeps gevent's deadlock
// detection: a hub's owning goroutine that blocks on it with nothing else
// alive gets gevent.ErrLoopExit. Once the object has been used from a
// second hub or a plain goroutine, a blocked hub stays alive waiting for
// them. As in gevent, a release from a context that has never touched the
// object cannot be foreseen: a hub that blocks first, with nothing else to
// do, still gets gevent.ErrLoopExit.
//
// # Switch points
//
// Acquire and AcquireTimeout of Semaphore and RLock, and Wait and
// WaitTimeout of Semaphore, may switch when they have to wait, and return
// the error that ended the wait: the caller's Kill (gevent.ErrGreenletExit)
// or Timeout, gevent.ErrLoopExit, gevent.ErrBlockingSwitchOut (called in a
// loop callback, where nothing can block), gevent.ErrHubDestroyed. When a
// permit is free they return at once without switching. TryAcquire,
// Release, Locked, Value, Owned and the Waitable methods never block.
//
// # Differences from gevent
//
//   - NewSemaphore and NewBoundedSemaphore never fail: a negative value
//     counts as 0, where gevent raises ValueError. A bounded Release returns
//     ErrReleasedTooManyTimes, and RLock.Release by a non-owner an error
//     wrapping ErrNotOwner.
//   - Acquire, AcquireTimeout(d) and TryAcquire replace acquire(blocking,
//     timeout). With d <= 0 AcquireTimeout and WaitTimeout do not wait (the
//     rule of every duration in this module).
//     RLock's re-entrant Acquire returns nil like the first one (gevent
//     returns 1). Release returns an error instead of the counter; Value
//     returns the counter.
//   - A released permit is handed to the first blocked caller. In gevent the
//     counter is incremented and the waiter woken later, so a greenlet that
//     runs first may take the permit. Across goroutines running in parallel,
//     a caller arriving while a Release is handing over may still take the
//     permit; no permit is lost either way.
//   - A BoundedSemaphore is a *Semaphore made by NewBoundedSemaphore, not a
//     separate type, so code taking a *Semaphore accepts both.
//   - The zero Semaphore has no free permit (gevent's default value is 1).
//     The zero RLock is ready to use.
//   - RLock's owner is the calling context: a greenlet (gevent.Current), a
//     hub's owning goroutine, a hub's loop callbacks (all of one hub share
//     one identity, like gevent's hub greenlet), or a plain goroutine.
//   - Semaphore.RawLink callbacks run once, when a permit is free, on the
//     goroutine of the Release that frees it rather than in a later hub
//     callback; a link made while a permit is free is queued on the
//     caller's hub (or, on a goroutine without a hub, called at once). As in
//     gevent, a link unlinked before it runs, even by another link run by
//     the same Release, does not run.
//   - There is no context-manager form; use Acquire and a deferred Release.
package lock
