// Package event provides Event and AsyncResult, gevent.event for Go: a flag
// and a result that greenlets, hubs and plain goroutines can wait for.
//
// # Concurrency model
//
// Both types are built on gevent.Waiter only. Their state and their wait
// list sit behind a sync.Mutex that is never held across a switch, so every
// method may be called from any greenlet, from a hub's owning goroutine,
// from a loop callback and from a goroutine without a hub, and the waker and
// the waiter may live on different hubs. Waiters are woken in the order they
// started waiting: a waiter on a hub is resumed through that hub's FIFO
// (from another goroutine through its goroutine-safe callback queue); a
// plain goroutine is woken through a channel.
//
// Within one hub the order is gevent's: Set wakes nobody at once; the woken
// greenlets run, in waiting order, when the setter yields. A greenlet that
// calls Wait while those wake-ups are still pending runs after them, even
// though the flag is up (gevent 20.5.1).
//
// # Switch points
//
// Event.Wait, Event.WaitTimeout, AsyncResult.Get, GetTimeout, Wait and
// WaitTimeout may switch to the hub and return an error: the caller's kill
// (gevent.ErrGreenletExit) or Timeout, gevent.ErrBlockingSwitchOut in a loop
// callback, gevent.ErrLoopExit (below). Nothing else blocks: Set, SetError,
// Clear and the queries never switch.
//
// # Deadlock detection and sharing
//
// A hub's owning goroutine that waits on an Event or AsyncResult nobody can
// set gets gevent.ErrLoopExit, as in gevent, as long as the object has only
// been used by that hub. Each method records its caller;
// once an object has been used by a second hub or by a goroutine without a
// hub, waiting on it keeps the waiting hub alive instead, since another
// goroutine may set it. So an object that another hub or goroutine will set
// must be used by that side, or by any goroutine without a hub (IsSet or
// Ready will do), before a hub with nothing else to do waits on it;
// otherwise that wait ends with ErrLoopExit.
//
// # Differences from gevent
//
//   - Wait returns only an error; WaitTimeout reports whether the object
//     became ready. AsyncResult.Wait does not return the value: use Get,
//     Value or Err.
//   - AsyncResult.Get's error is the one set by SetError; GetTimeout's
//     expiry is gevent.ErrTimeout, TryGet's gevent.ErrNotReady (gevent raises
//     Timeout for both).
//   - A timeout d <= 0 does not wait (the rule of every duration in this
//     module): WaitTimeout reports the current state and GetTimeout is
//     TryGet with gevent.ErrTimeout; gevent's timeout=0 lets the hub run
//     once first.
//   - RawLink callbacks take no argument and must not panic (a panic escapes
//     into the hub, as for gevent.Hub.RunCallback).
//   - AsyncResult.SetFrom(g) is gevent's AsyncResult.__call__, so that
//     g.Link(ar.SetFrom) copies a greenlet's outcome.
package event
