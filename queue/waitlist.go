package queue

// Hand-off protocol. A blocked caller is a node in one of the queue's wait
// lists; the node is its slot. A waker hands something over only while it
// holds the queue's mutex, in this order: unlink the node, store the item in
// (or take it from) the slot, call Waiter.Switch, and, if Switch reports
// false, undo the transfer and try the next node. Switch fails only when the
// waiter has already given up (its timeout, a Kill, a Timeout, a destroyed
// hub); exactly one of Switch and the give-up wins, so an item is either
// delivered to a caller whose wait then succeeds, or it stays with the queue.
// A woken caller reads its slot under the mutex. Nothing outside the mutex
// ever holds a node or its Waiter, which is what makes reusing them safe.

import (
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/ilist"
)

// role says what a blocked caller waits for.
type role uint8

const (
	getter role = iota // takes an item
	peeker             // wants a copy of the next item
	putter             // offers the item in its slot
	joiner             // waits for all tasks to be done
)

// node is a blocked caller. All fields are guarded by the queue's mutex.
type node[T any] struct {
	w      *gevent.Waiter // armed for the current wait
	item   T              // the getter's or peeker's item, the putter's offer
	role   role
	handed bool // a waker completed the hand-off (its Switch succeeded)

	k        ilist.Links[node[T]]
	nextFree *node[T] // next in the queue's free list of nodes
}

// ListLinks makes node an ilist node.
func (n *node[T]) ListLinks() *ilist.Links[node[T]] { return &n.k }

// waitList is a FIFO of nodes with removal from the middle (a timed-out
// caller leaves from wherever it is). The zero value is an empty list.
type waitList[T any] = ilist.List[node[T], *node[T]]

// maxFreeNodes bounds the nodes a queue keeps for reuse after a burst of
// blocked callers.
const maxFreeNodes = 32

// waiterSlot keeps the Waiter each greenlet or hub-owning goroutine reuses
// for its blocking calls on any queue.
var waiterSlot = gevent.NewLocalSlot()

// contextWaiter returns an armed Waiter bound to the caller, which must not
// be a loop callback. A greenlet or a hub's owning goroutine reuses one
// Waiter for all its waits: a context waits for one thing at a time, and when
// its wait on a queue returns, no waker can reach the Waiter any more (wakers
// reach it only through a linked node, under the queue's mutex, and the
// waiting side unlinks its node before it returns). A plain goroutine gets a
// new Waiter each time, since a LocalSlot value would outlive it.
func contextWaiter(ref bool) *gevent.Waiter {
	var w *gevent.Waiter
	if gevent.CurrentHubIfAny() == nil {
		w = gevent.NewWaiter()
	} else if v, ok := waiterSlot.Get(); ok {
		w = v.(*gevent.Waiter)
		w.Reset()
	} else {
		w = gevent.NewWaiter()
		waiterSlot.Set(w)
	}
	w.SetRef(ref)
	return w
}

// waiters is the state every queue kind shares: its wait lists and a free
// list of nodes. All fields are guarded by the owner's mutex.
type waiters[T any] struct {
	getters waitList[T] // getters and peekers, in arrival order
	putters waitList[T]
	joiners waitList[T]
	free    *node[T] // linked through nextFree
	nfree   int
}

// enqueueLocked links a node for the caller's wait into l.
func (ws *waiters[T]) enqueueLocked(l *waitList[T], r role, item T, ref bool) *node[T] {
	n := ws.free
	if n != nil {
		ws.free = n.nextFree
		n.nextFree = nil
		ws.nfree--
	} else {
		n = new(node[T])
	}
	n.w = contextWaiter(ref)
	n.role = r
	n.item = item
	l.PushBack(n)
	return n
}

// releaseLocked unlinks n if needed and keeps it for reuse.
func (ws *waiters[T]) releaseLocked(n *node[T]) {
	ilist.Unlink(n)
	var zero T
	n.w, n.item, n.handed = nil, zero, false
	if ws.nfree < maxFreeNodes {
		n.nextFree = ws.free
		ws.free = n
		ws.nfree++
	}
}

// handToGetterLocked offers v to the blocked getters in arrival order:
// peekers before the first getter receive a copy, and the first getter whose
// wait is still on takes v. It reports whether a getter took v.
func (ws *waiters[T]) handToGetterLocked(v T) bool {
	for ws.getters.Len() > 0 {
		n := ws.getters.PopFront()
		n.item = v
		if !n.w.Switch() {
			var zero T
			n.item = zero
			continue
		}
		n.handed = true
		if n.role == getter {
			return true
		}
	}
	return false
}

// takeFromPutterLocked takes the item of the first blocked putter whose wait
// is still on, and wakes it. It reports false when there is none.
func (ws *waiters[T]) takeFromPutterLocked() (T, bool) {
	for ws.putters.Len() > 0 {
		n := ws.putters.PopFront()
		if n.w.Switch() {
			n.handed = true
			return n.item, true
		}
	}
	var zero T
	return zero, false
}

// throwAllLocked wakes every node of l with err.
func (ws *waiters[T]) throwAllLocked(l *waitList[T], err error) {
	for l.Len() > 0 {
		l.PopFront().w.Throw(err)
	}
}

// switchAllLocked completes the wait of every node of l.
func (ws *waiters[T]) switchAllLocked(l *waitList[T]) {
	for l.Len() > 0 {
		n := l.PopFront()
		if n.w.Switch() {
			n.handed = true
		}
	}
}

// park waits on n's Waiter, forever when d < 0. It reports whether the wait
// was completed by a waker; otherwise err is the error that ended it, or nil
// when d passed.
func park(w *gevent.Waiter, d time.Duration) (bool, error) {
	if d < 0 {
		err := w.Wait()
		return err == nil, err
	}
	return w.WaitTimeout(d)
}
