package queue

import (
	"iter"
	"sync"
	"time"

	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/ring"
)

// Queue is a queue of items of type T that greenlets, hubs and plain
// goroutines share (gevent.queue.Queue). Items leave in FIFO order (New),
// LIFO order (NewLifo) or by priority (NewPriority, NewPriorityFunc); a
// Queue with a positive maxsize holds at most that many items, and putters
// block while it is full. Blocked getters, and blocked putters, are served in
// the order they blocked. Every Queue also counts unfinished tasks (TaskDone,
// Join) and can be shut down (Shutdown, ShutdownNow), as gevent's Queue
// does since 25.4.1.
//
// All methods may be called from any goroutine: greenlets of any hub, hubs'
// owning goroutines, plain goroutines. Called from a loop callback, the
// blocking methods never block: a put adds the item if there is room or
// fails with ErrFull, a get takes an item or fails with ErrEmpty.
//
// The zero value is an empty unbounded FIFO queue, ready to use. A Queue must
// not be copied after first use.
type Queue[T any] struct {
	aff hubapi.Affinity

	mu         sync.Mutex   // guards the fields below, with aff (enter, leave)
	order      store[T]     // the LIFO or priority store; nil: the FIFO fifo
	fifo       ring.Ring[T] // the items of a FIFO queue
	maxsize    int          // <= 0: unbounded; set before first use
	unfinished int          // items put and not yet marked done by TaskDone
	reserved   int          // items of the store that woken getters will take
	shut       bool         // Shutdown was called
	getters    waitList[T]  // blocked getters and peekers, in arrival order
	putters    waitList[T]  // blocked putters
	joiners    waitList[T]  // blocked callers of Join
}

// store holds the items of a LIFO or priority queue in its order. Must be
// used under the queue's mutex.
type store[T any] interface {
	len() int
	push(v T)
	pop() T  // the next item; the store is not empty
	peek() T // the next item, left in place; the store is not empty
	unget(v T)
	clear() int // drops every item and returns how many there were
}

// New returns an empty FIFO queue that holds at most maxsize items;
// maxsize <= 0 means unbounded. (gevent's Queue(0) is unbounded too; use a
// Channel for a rendezvous.)
func New[T any](maxsize int) *Queue[T] {
	return &Queue[T]{maxsize: maxsize}
}

// Put adds v to the queue, blocking while the queue is full. It wakes the
// first blocked getter, if any, with an item no other caller can take: a
// FIFO getter receives the next item at once, a LIFO or priority getter the
// next item in the queue's order when it runs (items put meanwhile count;
// until then its item stays in the queue, counted by Len and Full). Put
// returns nil once v is in the queue, ErrShutDown after Shutdown (also when
// Shutdown happens while it waits), ErrFull when called from a loop callback
// on a full queue, or the error that ended its wait: the caller's Kill or
// Timeout, gevent.ErrLoopExit when nothing could ever make room. On an
// error, v was not added. Put on an unbounded queue never blocks.
func (q *Queue[T]) Put(v T) error { return q.put(v, false, true, -1) }

// PutTimeout is Put that waits at most d for room; then it returns ErrFull.
// With d <= 0 it does not wait: it is TryPut.
func (q *Queue[T]) PutTimeout(v T, d time.Duration) error {
	return q.put(v, false, d > 0, d)
}

// TryPut adds v if the queue has room, without blocking; otherwise it
// returns ErrFull (or ErrShutDown) (gevent's put_nowait).
func (q *Queue[T]) TryPut(v T) error { return q.put(v, false, false, 0) }

// Get removes and returns the next item, blocking while the queue is empty.
// It returns ErrShutDown once a shut-down queue is empty (at once after
// ShutdownNow, and to getters blocked when Shutdown is called), ErrEmpty
// when called from a loop callback on an empty queue, or the error that
// ended its wait (Kill, Timeout, gevent.ErrLoopExit). On an error no item
// was removed.
func (q *Queue[T]) Get() (T, error) { return q.get(getter, false, true, -1) }

// GetTimeout is Get that waits at most d for an item; then it returns
// ErrEmpty. With d <= 0 it does not wait: it is TryGet.
func (q *Queue[T]) GetTimeout(d time.Duration) (T, error) {
	return q.get(getter, false, d > 0, d)
}

// TryGet removes and returns the next item without blocking, or returns
// ErrEmpty (or ErrShutDown) (gevent's get_nowait). An item that a woken
// getter is about to take does not count.
func (q *Queue[T]) TryGet() (T, error) { return q.get(getter, false, false, 0) }

// Peek returns the next item without removing it, blocking while the queue
// is empty. It fails as Get does. A blocked peeker is woken with the getters
// behind it and returns the item that is next when it runs.
func (q *Queue[T]) Peek() (T, error) { return q.get(peeker, false, true, -1) }

// PeekTimeout is Peek that waits at most d; then it returns ErrEmpty. With
// d <= 0 it does not wait: it is TryPeek.
func (q *Queue[T]) PeekTimeout(d time.Duration) (T, error) {
	return q.get(peeker, false, d > 0, d)
}

// TryPeek returns the next item without removing it and without blocking,
// or returns ErrEmpty (or ErrShutDown).
func (q *Queue[T]) TryPeek() (T, error) { return q.get(peeker, false, false, 0) }

// Len returns the number of items in the queue (gevent's qsize).
func (q *Queue[T]) Len() int {
	_, b := q.enter(hubapi.Current())
	defer q.leave(b)
	return q.lenLocked()
}

// Empty reports whether the queue holds no items.
func (q *Queue[T]) Empty() bool { return q.Len() == 0 }

// Full reports whether the queue holds maxsize items; an unbounded queue is
// never full.
func (q *Queue[T]) Full() bool {
	_, b := q.enter(hubapi.Current())
	defer q.leave(b)
	return q.fullLocked(false)
}

// Maxsize returns the queue's bound, or 0 for an unbounded queue.
func (q *Queue[T]) Maxsize() int { return max(q.maxsize, 0) }

// All returns an iterator that removes and yields items with Get until Get
// fails: when a shut-down queue is empty, or when the caller's wait ends
// with an error (Kill, Timeout, gevent.ErrLoopExit). It is gevent's
// iteration over a queue, with Shutdown in place of the StopIteration item.
// Call Get in a loop instead to learn why the iteration ended.
func (q *Queue[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, err := q.Get()
			if err != nil || !yield(v) {
				return
			}
		}
	}
}

// Share declares that the queue is used by several hubs or goroutines, so
// that a hub blocked on it stays alive waiting for them instead of reporting
// gevent.ErrLoopExit. The queue finds this out by itself once a second hub or
// a plain goroutine calls one of its methods; call Share when a hub may block
// on the queue, with nothing else to do, before that happens (for example
// when a goroutine started later will put the first item). It never blocks.
func (q *Queue[T]) Share() { hubapi.Share(&q.aff) }

// enter begins a section of the queue's state for the calling context: it
// locks the mutex, or, on the queue's home hub while no other context has
// used the queue, runs the section without it (hubapi.Enter). It reports
// whether blocked callers must keep their hub alive, and what leave needs.
func (q *Queue[T]) enter(c hubapi.Ctx) (shared, biased bool) {
	return hubapi.Enter(&q.aff, &q.mu, c)
}

// leave ends the section that enter began.
func (q *Queue[T]) leave(biased bool) { hubapi.Leave(&q.aff, &q.mu, biased) }

// lenLocked returns the number of items in the store, reserved ones
// included.
func (q *Queue[T]) lenLocked() int {
	if q.order != nil {
		return q.order.len()
	}
	return q.fifo.Len()
}

func (q *Queue[T]) pushLocked(v T) {
	if q.order != nil {
		q.order.push(v)
		return
	}
	q.fifo.PushBack(v)
}

func (q *Queue[T]) popLocked() T {
	if q.order != nil {
		return q.order.pop()
	}
	return q.fifo.PopFront()
}

func (q *Queue[T]) frontLocked() T {
	if q.order != nil {
		return q.order.peek()
	}
	return q.fifo.Front()
}

// ungetLocked puts v back where the next pop finds it.
func (q *Queue[T]) ungetLocked(v T) {
	if q.order != nil {
		q.order.unget(v)
		return
	}
	q.fifo.PushFront(v)
}

// dropLocked drops the items that no woken getter has reserved and returns
// how many it dropped; the reserved ones stay next in the store's order.
func (q *Queue[T]) dropLocked() int {
	kept := make([]T, q.reserved)
	for i := range kept {
		kept[i] = q.popLocked()
	}
	var n int
	if q.order != nil {
		n = q.order.clear()
	} else {
		n = q.fifo.Clear()
	}
	for i := len(kept) - 1; i >= 0; i-- {
		q.ungetLocked(kept[i])
	}
	return n
}

// fullLocked reports whether a put must wait; for a Channel (rv) always.
func (q *Queue[T]) fullLocked(rv bool) bool {
	return rv || q.maxsize > 0 && q.lenLocked() >= q.maxsize
}

// put implements Put, PutTimeout and TryPut of Queue (rv false) and Channel
// (rv true). It blocks only if block, for d (forever when d < 0).
func (q *Queue[T]) put(v T, rv, block bool, d time.Duration) error {
	c := hubapi.Current() // the one context look-up of the call
	if rv && block {
		// A blocking Channel put is where a kill or an expired Timeout is
		// delivered, even when a getter waits (gevent's put always
		// switches): check before the item is handed off, since after
		// that the put has succeeded.
		if err := c.Checkpoint(); err != nil {
			return err
		}
	}
	shared, b := q.enter(c)
	if q.shut {
		q.leave(b)
		return ErrShutDown
	}
	if rv {
		if q.getters.Len() > 0 {
			if w, deferred := q.handToGetterLocked(c, v); w != nil {
				q.unfinished++
				q.leave(b)
				if deferred {
					c.HandOff(w, block)
				} else if block {
					yieldToGetter(c)
				}
				return nil
			}
		}
	} else if !q.fullLocked(false) {
		q.pushLocked(v)
		q.unfinished++
		if q.getters.Len() > 0 {
			q.serveGettersLocked(c)
		}
		q.leave(b)
		return nil
	}
	if !block || c.InLoopCallback() {
		q.leave(b)
		return ErrFull
	}
	n := enqueueLocked(c, &q.putters, putter, v, shared, hubapi.AtHome(&q.aff, c))
	q.leave(b)
	// q.block, in this frame.
	waited := false
	defer q.unwind(&q.putters, n, &waited)
	ok, err := c.Wait(n.W, d)
	waited = true
	if _, ok, err = q.woken(c, &q.putters, n, rv, ok, err); !ok {
		if err == nil {
			err = ErrFull
		}
		return err
	}
	return nil
}

// yieldToGetter lets the getter a Channel put has just handed its item to
// run before the putter goes on, as gevent's Channel.put does: on a hub, the
// putter resumes behind the getter in the hub's FIFO. Elsewhere (a plain
// goroutine, a loop callback) it does nothing. An error of the yield (a
// Kill) is not the put's: the item was delivered; the Kill stays pending for
// the caller's next blocking call, and so is an outer Timeout that expires
// during the yield: neither is lost.
func yieldToGetter(c hubapi.Ctx) { c.PassThrough() }

// get implements the gets and peeks of Queue (rv false) and Channel (rv
// true); r is getter or peeker.
func (q *Queue[T]) get(r uint8, rv, block bool, d time.Duration) (T, error) {
	var zero T
	c := hubapi.Current() // the one context look-up of the call
	shared, b := q.enter(c)
	if q.lenLocked() > q.reserved {
		var v T
		if r == peeker {
			v = q.frontLocked()
		} else {
			v = q.popLocked()
			q.admitPuttersLocked(c, rv)
		}
		q.leave(b)
		return v, nil
	}
	if rv && r == getter && q.putters.Len() > 0 {
		// A Channel's putters wait for a getter to take their item.
		if v, ok := q.takeFromPutterLocked(c); ok {
			q.unfinished++
			q.leave(b)
			return v, nil
		}
	}
	if q.shut {
		q.leave(b)
		return zero, ErrShutDown
	}
	if !block || c.InLoopCallback() {
		q.leave(b)
		return zero, ErrEmpty
	}
	n := enqueueLocked(c, &q.getters, r, zero, shared, hubapi.AtHome(&q.aff, c))
	q.leave(b)
	// q.block, in this frame.
	waited := false
	defer q.unwind(&q.getters, n, &waited)
	ok, err := c.Wait(n.W, d)
	waited = true
	v, ok, err := q.woken(c, &q.getters, n, rv, ok, err)
	if !ok {
		if err == nil {
			err = ErrEmpty
		}
		return zero, err
	}
	return v, nil
}

// admitPuttersLocked moves the items of a Queue's blocked putters into the
// store while it has room, waking them in order, and then serves the
// getters that may be blocked behind reserved items.
func (q *Queue[T]) admitPuttersLocked(c hubapi.Ctx, rv bool) {
	if rv {
		return
	}
	for q.putters.Len() > 0 && !q.fullLocked(false) {
		v, ok := q.takeFromPutterLocked(c)
		if !ok {
			break
		}
		q.pushLocked(v)
		q.unfinished++
	}
	if q.getters.Len() > 0 {
		q.serveGettersLocked(c)
	}
}

// block parks the caller on n, which the caller linked into l, and ends its
// wait: it reports whether a waker completed the hand-off (then v is a
// getter's or peeker's item), or returns the error that ended the wait (nil
// when d passed). put and get do the same in their own frames (each frame
// between a blocking call and the switch costs a mispredicted return after
// the switch back; see docs/design.md).
// c is the caller's context.
func (q *Queue[T]) block(c hubapi.Ctx, l *waitList[T], n *node[T], rv bool, d time.Duration) (v T, ok bool, err error) {
	waited := false
	defer q.unwind(l, n, &waited)
	ok, err = c.Wait(n.W, d) // waitlist.ParkIn, with one frame less
	waited = true
	return q.woken(c, l, n, rv, ok, err)
}

// unwind is deferred around a wait on n, in l: when the wait did not return
// (waited is false: the caller's hub was destroyed under it and the wait was
// unwound), an item handed or reserved for this getter goes to the next one,
// and n is released.
func (q *Queue[T]) unwind(l *waitList[T], n *node[T], waited *bool) {
	if *waited {
		return
	}
	hubapi.EnterShared(&q.aff, &q.mu)
	if n.Handed && n.Kind == getter {
		if q.order == nil {
			q.requeueLocked(n.Item)
		} else {
			q.reserved--
			q.serveGettersLocked(hubapi.Ctx{})
		}
	}
	l.Release(n)
	q.leave(false)
}

// woken ends the wait on n, in l, that returned ok and err: it reports
// whether a waker completed the hand-off (then v is a getter's or peeker's
// item), or returns the error that ended the wait (nil when d passed). A
// Queue's getter whose hand-off was completed takes its reserved item from
// the store here.
// c is the caller's context.
func (q *Queue[T]) woken(c hubapi.Ctx, l *waitList[T], n *node[T], rv, ok bool, err error) (v T, _ bool, _ error) {
	if ok && (q.order == nil || n.Kind == putter || n.Kind == joiner) && hubapi.AtHome(&q.aff, c) {
		// The waker completed the hand-off before its Switch and took n
		// off l: the slot is this caller's to read, without the mutex,
		// and so is n to release, to the home hub's own free nodes.
		v = n.Item
		l.ReleaseHome(n)
		return v, true, nil
	}
	_, b := q.enter(c)
	ok = n.Handed
	if ok {
		err = nil
		v = n.Item
		switch {
		case q.order == nil || n.Kind == putter || n.Kind == joiner:
			// A FIFO's or a Channel's getter or peeker: its slot.
		case n.Kind == getter:
			q.reserved--
			v = q.popLocked()
			q.admitPuttersLocked(c, false)
		case q.lenLocked() > 0: // a peeker: the item next now
			v = q.frontLocked()
		}
	}
	l.Release(n)
	q.leave(b)
	return v, ok, err
}

// requeueLocked gives back an item whose FIFO or Channel getter can no
// longer take it: to the front of the store, and from there to the next
// blocked getter. (It may take a bounded queue past maxsize.)
func (q *Queue[T]) requeueLocked(v T) {
	q.ungetLocked(v)
	q.serveGettersLocked(hubapi.Ctx{})
}
