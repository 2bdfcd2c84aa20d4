// Package loop is a libev-shaped event loop: io, timer, prepare, check, idle,
// async, signal and child watchers over the kernel poller of
// internal/poller, plus gevent's FIFO of callbacks. It knows nothing of
// greenlets; package gevent builds its hub on it.
//
// # Concurrency
//
// A Loop and its watchers are not safe for concurrent use. They belong to the
// goroutine that calls Run (and, by hand-off, to the coroutines that goroutine
// resumes). The only goroutine-safe entry points are Async.Send,
// Loop.RunCallbackThreadsafe and Loop.PostThreadsafe.
//
// # Watcher states
//
// Every watcher is in one of libev's states:
//
//   - initialised: created by a New* method, not started;
//   - active: started; an active watcher with Ref set keeps Run from
//     returning;
//   - pending: its event happened and its callback is queued for the current
//     iteration. Stopping a pending watcher cancels the call;
//   - closed: released; Start returns ErrClosed.
//
// Callbacks of watchers and of RunCallback run on the loop's goroutine, one at a
// time, in the order their events were collected.
//
// # Iteration
//
// Run repeats these phases (see Loop.Run): run queued callbacks for at most
// SwitchInterval; prepare watchers; apply descriptor changes to the poller;
// poll for I/O with a timeout taken from the timer heap; collect expired
// timers; idle watchers when nothing else is pending; check watchers; invoke the
// pending watchers in collection order (the only watcher of a descriptor is
// called as soon as its event is collected when nothing is queued before it,
// which is the same order). Loop time is cached per iteration (Now) and
// refreshed by UpdateNow, as in libev; without pending timers the clock is
// read lazily, at the first use after the poll.
//
// # Descriptors
//
// IO watchers are edge-triggered on every backend: a callback reports that the
// descriptor became ready since the watcher last fired, and the owner must use
// the descriptor until EAGAIN before it can expect another call. On a level-
// triggered backend a watcher left active on a ready descriptor fires on every
// iteration, which is harmless for owners that follow that rule.
package loop
