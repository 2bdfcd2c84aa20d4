// Package queue provides gevent's queues for greenlets, hubs and goroutines
// (gevent.queue): Queue (FIFO), LifoQueue, PriorityQueue and JoinableQueue,
// which are one type with different orders, and Channel, a rendezvous.
//
// # Concurrency model
//
// Every method may be called from any goroutine: greenlets of one hub or of
// several, hubs' owning goroutines, and plain goroutines without a hub. A
// blocked caller parks on a gevent.Waiter, so a blocked greenlet lets the
// other greenlets of its hub run, and a plain goroutine parks on a channel.
// The state is guarded by a mutex that is never held across a switch.
//
// Blocked getters are served in the order they blocked, and so are blocked
// putters. An item put while getters are blocked goes into the queue, and
// the first blocked getter is woken with that many items reserved for it:
// when it runs it takes the next item in the queue's order (so a LIFO getter
// gets the last item put before it ran, a priority getter the least), and no
// other caller can take a reserved item first. A blocked putter's item goes
// straight into the room a getter makes. All of this happens under the
// queue's mutex: a getter that gives up at that moment (its timeout, a Kill,
// a Timeout) never loses the item, which goes to the next getter or stays in
// the queue, and a putter that gives up has not put its item.
//
// A Channel put to a blocked getter hands the item over and then yields, so
// that on a hub the getter runs before the putter resumes, as in gevent.
//
// Called from a loop callback, where nothing can block, a put hands the item
// to a blocked getter or fails with ErrFull, and a get takes an item (or a
// blocked putter's item) or fails with ErrEmpty, as gevent's calls from the
// hub do.
//
// A queue used by the greenlets of one hub only keeps gevent's deadlock
// detection: a hub's owning goroutine that blocks on it with nothing else
// alive gets gevent.ErrLoopExit. Once the queue has been used from a second
// hub or a plain goroutine, a blocked hub stays alive waiting for them. A hub
// that may block on a queue before the other party first uses it should call
// Share beforehand; otherwise it may get gevent.ErrLoopExit too early.
//
// # Switch points
//
// Put, PutTimeout, Get, GetTimeout, Peek, PeekTimeout, Join and JoinTimeout
// of Queue, Put, PutTimeout, Get and GetTimeout of Channel, and the
// iterators returned by All may switch, and return the error that ended the
// wait: the caller's Kill (gevent.ErrGreenletExit) or Timeout,
// gevent.ErrLoopExit, gevent.ErrHubDestroyed. TryPut, TryGet, TryPeek,
// TaskDone, Shutdown and the accessors never block.
//
// # Differences from gevent
//
//   - An item put while getters are blocked is reserved for the first of
//     them; in gevent the getter is woken too, but a greenlet that runs
//     first may take the item (get_nowait); here TryGet reports ErrEmpty.
//   - A Channel get that finds a blocked putter takes its item and goes on
//     without yielding (the putter resumes after the getter next yields);
//     gevent's get switches to the hub first, so greenlets already queued
//     run before the getter.
//   - Queue, LifoQueue, PriorityQueue and JoinableQueue are one type (the
//     others are aliases), so that code taking a *Queue[T] accepts all;
//     every Queue is joinable, as in gevent since 25.4.1.
//   - X, XTimeout(d) and TryX replace x(block, timeout). A d <= 0 does not
//     wait (gevent's timeout=0 lets the hub run once; a negative timeout
//     raises ValueError). Errors are returned, including
//     TaskDone's ErrTaskDoneTooManyTimes.
//   - Shutdown() and ShutdownNow() replace shutdown(immediate).
//   - Iteration (All) ends when Get fails, usually after Shutdown, instead of
//     at a StopIteration item. Channel has Shutdown too, so that it can end.
//   - The constructors take no initial items, and maxsize is fixed.
//   - PriorityQueue orders by cmp.Less or a less function; equal items leave
//     in an unspecified order.
package queue
