package queue

// Hand-off protocol. A blocked caller is a node in one of the queue's wait
// lists (internal/waitlist); the node is its slot. A waker hands something
// over only while it holds the queue's mutex, in this order: unlink the
// node, complete the transfer (fill the slot, take the putter's item,
// reserve an item of the store for a getter), call Waiter.Switch, and, if
// Switch reports false, undo the transfer and try the next node. Switch
// fails only when the waiter has already given up (its timeout, a Kill, a
// Timeout, a destroyed hub); exactly one of Switch and the give-up wins, so
// an item is either delivered to a caller whose wait then succeeds, or it
// stays with the queue. The slot and Handed are written before the Switch
// (and undone if it fails), and a waker touches the node no more once its
// Switch succeeded. A woken caller finishes under the mutex: a LIFO or
// priority queue's getter takes the next item of the store then (its
// reservation kept that item for it), so that the store's order holds
// across a blocked getter. A FIFO queue's or a Channel's getter or peeker,
// a putter and a joiner only read their slot: on the queue's home hub they
// do that without the mutex when their wait was switched, and keep the
// node on the home hub's own free list (waitlist.ReleaseHome). Only the
// waiting side releases its node, after it was unlinked, which is what
// makes reusing nodes and Waiters safe. A Channel put to a getter of its
// own hub claims the getter's Waiter under the mutex and delivers the
// wake-up after unlocking (hubapi.Ctx.Claim, HandOff).

import (
	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/waitlist"
)

// Roles of blocked callers (a node's Kind).
const (
	getter uint8 = iota // takes an item
	peeker              // wants a copy of the next item
	putter              // offers the item in its slot
	joiner              // waits for all tasks to be done
)

// waitList is a FIFO of blocked callers with removal from the middle (a
// timed-out caller leaves from wherever it is). The zero value is empty.
type waitList[T any] = waitlist.List[T]

// node is a blocked caller. Its fields are guarded by the queue's mutex.
type node[T any] = waitlist.Node[T]

// enqueueLocked links a node for the caller's wait into l. A caller on the
// queue's home hub (home) reuses the nodes that such callers release
// without the mutex (see block).
// c is the caller's context.
func enqueueLocked[T any](c hubapi.Ctx, l *waitList[T], r uint8, item T, ref, home bool) *node[T] {
	w := waitlist.ContextWaiterIn(c, ref)
	if home {
		return l.PushWaiterHome(w, r, item)
	}
	return l.PushWaiter(w, r, item)
}

// handToGetterLocked gives v to the first blocked getter of a Channel whose
// wait is still on, in its slot, and returns its Waiter, or nil when there
// is none. When deferred, the getter's wake-up is the caller's to deliver
// with c.HandOff once it has released the mutex (hubapi.Ctx.Claim).
// c is the caller's context.
func (q *Queue[T]) handToGetterLocked(c hubapi.Ctx, v T) (w *gevent.Waiter, deferred bool) {
	for n := q.getters.PopFront(); n != nil; n = q.getters.PopFront() {
		// The slot is filled before the wake-up: a woken getter may read
		// it at once, without the mutex (see block).
		n.Item, n.Handed = v, true
		w := n.W
		if ok, deferred := c.Claim(w); ok {
			return w, deferred
		}
		var zero T
		n.Item, n.Handed = zero, false
	}
	return nil, false
}

// serveGettersLocked wakes blocked getters of a Queue while the store holds
// items no woken getter has reserved (gevent's _unlock). Peekers ahead of a
// getter are woken with it, each with a copy of the next item. In a FIFO
// queue the first getter takes the next item into its slot, which keeps the
// queue's order and leaves room for the next put; in a LIFO or priority
// queue it reserves an item instead, and takes the next one in the queue's
// order when it runs, so that items put meanwhile count.
// c is the caller's context (a zero Ctx when unknown).
func (q *Queue[T]) serveGettersLocked(c hubapi.Ctx) {
	for q.getters.Len() > 0 && q.lenLocked() > q.reserved {
		n := q.getters.PopFront()
		kind := n.Kind // n is the getter's once the Switch succeeds
		n.Item, n.Handed = q.frontLocked(), true
		if !c.Switch(n.W) {
			var zero T
			n.Item, n.Handed = zero, false
			continue
		}
		if kind != getter {
			continue
		}
		if q.order == nil {
			q.popLocked()
		} else {
			q.reserved++
		}
	}
}

// takeFromPutterLocked takes the item of the first blocked putter whose wait
// is still on, and wakes it. It reports false when there is none.
// c is the caller's context (a zero Ctx when unknown).
func (q *Queue[T]) takeFromPutterLocked(c hubapi.Ctx) (T, bool) {
	for n := q.putters.PopFront(); n != nil; n = q.putters.PopFront() {
		v := n.Item // n is the putter's once the Switch succeeds
		n.Handed = true
		if c.Switch(n.W) {
			return v, true
		}
		n.Handed = false
	}
	var zero T
	return zero, false
}

// throwAllLocked wakes every node of l with err.
func throwAllLocked[T any](l *waitList[T], err error) {
	for n := l.PopFront(); n != nil; n = l.PopFront() {
		n.W.Throw(err)
	}
}

// switchAllLocked completes the wait of every node of l.
func switchAllLocked[T any](l *waitList[T]) {
	for n := l.PopFront(); n != nil; n = l.PopFront() {
		n.Handed = true // before the Switch: n is the waiter's after it
		if !n.W.Switch() {
			n.Handed = false
		}
	}
}
