// Package waitlist is the wait list that every blocking object of packages
// event, lock and queue is built on (trio's ParkingLot, gevent's list of
// links): a FIFO of parked callers and RawLink callbacks, in the order they
// arrived, from which a caller that gives up (its timeout, a Kill) leaves in
// O(1) from wherever it is.
//
// A List is not goroutine-safe: its owner guards it with its own mutex,
// which it also holds for its own state, and passes that mutex to PushLink
// and AddLink so that a link can be claimed when it runs (RunLink).
//
// # Ownership
//
// A waiter node (PushWaiter) belongs to the caller that parks on it: a waker
// may unlink it (PopFront, Remove) and fill it, under the owner's mutex, but
// only the parked caller releases it (Release), after it has unlinked it, so
// that a node is never reused while someone may still reach it. A link node
// (PushLink, AddLink) belongs to the List until it runs or is unlinked;
// it is never reused, since a notification may hold it outside the mutex.
package waitlist

import (
	"sync"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/ilist"
)

// Node is one entry of a List: a parked caller (W set) or a link (Fn set).
// Its fields are guarded by the owner's mutex.
type Node[T any] struct {
	W      *gevent.Waiter // the parked caller's Waiter; nil for a link
	Fn     func()         // the link's callback; nil for a caller
	ID     gevent.LinkID  // the link's id
	Item   T              // the owner's payload: an item, an identity
	Kind   uint8          // the owner's role of the caller
	Handed bool           // a waker completed the caller's hand-off

	list     *List[T] // for a link: the List that registered it
	k        ilist.Links[Node[T]]
	nextFree *Node[T]
}

// ListLinks makes Node an ilist node.
func (n *Node[T]) ListLinks() *ilist.Links[Node[T]] { return &n.k }

// Listed reports whether n is in a List (not yet taken by a waker).
func (n *Node[T]) Listed() bool { return n.k.Listed() }

// IsLink reports whether n is a link rather than a parked caller.
func (n *Node[T]) IsLink() bool { return n.W == nil }

// maxFree bounds the waiter nodes a List keeps for reuse after a burst.
const maxFree = 32

// List is a FIFO of Nodes. The zero List is empty and ready to use.
type List[T any] struct {
	nodes  ilist.List[Node[T], *Node[T]]
	free   *Node[T] // released waiter nodes, linked through nextFree
	nfree  int
	hfree  *Node[T] // waiter nodes released by ReleaseHome; the home hub's only
	nhfree int
	mu     sync.Locker                // the owner's mutex; set by the first link
	links  map[gevent.LinkID]*Node[T] // links that have neither run nor been unlinked
	lastID gevent.LinkID
}

// Len returns the number of listed nodes, callers and links.
func (l *List[T]) Len() int { return l.nodes.Len() }

// Front returns the first node, or nil.
func (l *List[T]) Front() *Node[T] { return l.nodes.Front() }

// Next returns the node after n in the List, or nil.
func (l *List[T]) Next(n *Node[T]) *Node[T] { return ilist.Next(n) }

// PopFront unlinks and returns the first node, or nil. A link stays
// registered: RunLink runs it unless Unlink comes first.
func (l *List[T]) PopFront() *Node[T] { return l.nodes.PopFront() }

// Remove unlinks n if l holds it and reports whether it did.
func (l *List[T]) Remove(n *Node[T]) bool { return l.nodes.Remove(n) }

// PushWaiter appends a node for a caller that parks on w, reusing a
// released node when there is one.
func (l *List[T]) PushWaiter(w *gevent.Waiter, kind uint8, item T) *Node[T] {
	n := l.free
	if n != nil {
		l.free = n.nextFree
		n.nextFree = nil
		l.nfree--
	} else {
		n = new(Node[T])
	}
	n.W, n.Kind, n.Item = w, kind, item
	l.nodes.PushBack(n)
	return n
}

// Release unlinks the waiter node n if it is still listed and keeps it for
// reuse. Only the caller that parked on n may release it, once its wait is
// over.
func (l *List[T]) Release(n *Node[T]) {
	l.nodes.Remove(n)
	n.reset()
	keep(&l.free, &l.nfree, n)
}

// reset clears n for reuse.
func (n *Node[T]) reset() {
	var zero T
	n.W, n.Item, n.Kind, n.Handed = nil, zero, 0, false
}

// keep pushes the cleared node n on the free list *free of *count nodes,
// unless the list is full.
func keep[T any](free **Node[T], count *int, n *Node[T]) {
	if *count < maxFree {
		n.nextFree = *free
		*free = n
		*count++
	}
}

// PushWaiterHome is PushWaiter for a caller on the owner's home hub, the
// one hub whose callers release nodes with ReleaseHome: it reuses those
// first. The owner's mutex is held, as for PushWaiter.
func (l *List[T]) PushWaiterHome(w *gevent.Waiter, kind uint8, item T) *Node[T] {
	n := l.hfree
	if n == nil {
		return l.PushWaiter(w, kind, item)
	}
	l.hfree = n.nextFree
	n.nextFree = nil
	l.nhfree--
	n.W, n.Kind, n.Item = w, kind, item
	l.nodes.PushBack(n)
	return n
}

// ReleaseHome is Release without the owner's mutex, for the caller that
// parked on n, after a waker took n off the List and completed its wait
// (a waker touches n no more once its Switch succeeded). Every caller of
// ReleaseHome and PushWaiterHome on l must run on one hub, the owner's
// home: the goroutines of a hub never run at once, which is what guards
// the nodes they keep here.
func (l *List[T]) ReleaseHome(n *Node[T]) {
	n.reset()
	keep(&l.hfree, &l.nhfree, n)
}

// AddLink registers fn as a link without listing it, for an owner that is
// ready and schedules the link at once (RunLink runs it unless Unlink comes
// first). mu is the owner's mutex, held by the caller.
func (l *List[T]) AddLink(mu sync.Locker, fn func()) *Node[T] {
	l.mu = mu
	l.lastID++
	n := &Node[T]{Fn: fn, ID: l.lastID, list: l}
	if l.links == nil {
		l.links = make(map[gevent.LinkID]*Node[T])
	}
	l.links[n.ID] = n
	return n
}

// PushLink registers fn as a link and appends it; it returns its id.
func (l *List[T]) PushLink(mu sync.Locker, fn func()) gevent.LinkID {
	n := l.AddLink(mu, fn)
	l.nodes.PushBack(n)
	return n.ID
}

// Unlink withdraws the link with the given id, listed or already taken by a
// notification that has not run it yet, so that it will not run. It reports
// whether there was such a link, and whether it was still listed.
func (l *List[T]) Unlink(id gevent.LinkID) (found, listed bool) {
	n := l.links[id]
	if n == nil {
		return false, false
	}
	delete(l.links, id)
	return true, l.nodes.Remove(n)
}

// Claim reports whether the link n may run, and unregisters it: false when
// it was unlinked or has run. The owner's mutex must be held.
func (l *List[T]) Claim(n *Node[T]) bool {
	if l.links[n.ID] != n {
		return false
	}
	delete(l.links, n.ID)
	return true
}

// Run runs the link n unless it was unlinked or has run; the owner's mutex
// must not be held.
func Run[T any](n *Node[T]) {
	l := n.list
	l.mu.Lock()
	ok := l.Claim(n)
	l.mu.Unlock()
	if ok {
		n.Fn()
	}
}

// RunLink is Run with the signature of a loop callback (loop.Loop.Post), so
// that posting a link does not allocate: arg is the *Node[T].
func RunLink[T any](arg any) { Run(arg.(*Node[T])) }

// ContextWaiter returns an armed Waiter bound to the caller, with SetRef(ref),
// for a wait whose wakers reach the Waiter only through a listed node under
// the owner's mutex. A greenlet or a hub's owning goroutine reuses one Waiter
// for all such waits: a context waits for one thing at a time, and when its
// wait returns no waker can reach the Waiter any more (the waiting side
// unlinks its node, under the mutex, before it returns). A plain goroutine
// gets a new Waiter each time, and so does a loop callback, whose wait
// fails at once (it must not re-arm the Waiter of the context it
// interrupted). A Waiter that a waker may hold outside the mutex must not
// come from here.
func ContextWaiter(ref bool) *gevent.Waiter { return ContextWaiterIn(hubapi.Current(), ref) }

// ContextWaiterIn is ContextWaiter for the caller's context c.
func ContextWaiterIn(c hubapi.Ctx, ref bool) *gevent.Waiter {
	if w := c.Waiter(ref); w != nil {
		return w
	}
	w := gevent.NewWaiter()
	hubapi.SetRef(w, ref)
	return w
}

// Park waits on w, forever when d < 0 and at most d otherwise (d >= 0). It
// reports whether a waker switched w; otherwise err is the error that ended
// the wait, or nil when d passed.
func Park(w *gevent.Waiter, d time.Duration) (bool, error) {
	if d < 0 {
		err := w.Wait()
		return err == nil, err
	}
	return w.WaitTimeout(d)
}

// ParkIn is Park for the caller's context c.
func ParkIn(c hubapi.Ctx, w *gevent.Waiter, d time.Duration) (bool, error) { return c.Wait(w, d) }
