package queue

import (
	"iter"
	"sync"
	"time"

	"github.com/geventgo/gevent"
)

// Queue is a queue of items of type T that greenlets, hubs and plain
// goroutines share (gevent.queue.Queue). Items leave in FIFO order (New),
// LIFO order (NewLifo) or by priority (NewPriority, NewPriorityFunc); a
// Queue with a positive maxsize holds at most that many items, and putters
// block while it is full. Blocked getters, and blocked putters, are served in
// the order they blocked. Every Queue also counts unfinished tasks (TaskDone,
// Join) and can be shut down (Shutdown), as gevent's Queue does since 25.4.1.
//
// All methods may be called from any goroutine: greenlets of any hub, hubs'
// owning goroutines, plain goroutines. Called from a loop callback, the
// blocking methods never block: a put hands the item to a blocked getter or
// fails with ErrFull, a get takes an item or fails with ErrEmpty.
//
// The zero value is an empty unbounded FIFO queue, ready to use. A Queue must
// not be copied after first use.
type Queue[T any] struct {
	aff gevent.Affinity

	mu         sync.Mutex // guards the fields below and the embedded waiters
	items      store[T]   // nil in a zero Queue until first use: a FIFO
	maxsize    int        // <= 0: unbounded; set before first use
	unfinished int        // items put and not yet marked done by TaskDone
	shut       bool       // Shutdown was called
	waiters[T]
}

// store holds a queue's items in its order. Must be used under the queue's
// mutex.
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
	return &Queue[T]{items: &ring[T]{}, maxsize: maxsize}
}

// Put adds v to the queue, blocking while the queue is full. A blocked
// getter, if any, receives v directly. Put returns nil once v is in the
// queue or with a getter, ErrShutDown after Shutdown (also when Shutdown
// happens while it waits), ErrFull when called from a loop callback on a
// full queue, or the error that ended its wait: the caller's Kill or Timeout,
// gevent.ErrLoopExit when nothing could ever make room. On an error, v was
// not added. Put on an unbounded queue never blocks.
func (q *Queue[T]) Put(v T) error { return q.put(v, false, true, -1) }

// PutTimeout is Put that waits at most d for room; then it returns ErrFull.
// A d <= 0 lets the hub run once before giving up (gevent's timeout=0).
func (q *Queue[T]) PutTimeout(v T, d time.Duration) error {
	return q.put(v, false, true, max(d, 0))
}

// TryPut adds v if the queue has room or a getter is blocked, without
// blocking; otherwise it returns ErrFull (or ErrShutDown) (gevent's
// put_nowait).
func (q *Queue[T]) TryPut(v T) error { return q.put(v, false, false, 0) }

// Get removes and returns the next item, blocking while the queue is empty.
// It returns ErrShutDown once a shut-down queue is empty (at once after an
// immediate Shutdown, and to getters blocked when Shutdown is called),
// ErrEmpty when called from a loop callback on an empty queue, or the error
// that ended its wait (Kill, Timeout, gevent.ErrLoopExit). On an error no
// item was removed.
func (q *Queue[T]) Get() (T, error) { return q.get(getter, false, true, -1) }

// GetTimeout is Get that waits at most d for an item; then it returns
// ErrEmpty.
func (q *Queue[T]) GetTimeout(d time.Duration) (T, error) {
	return q.get(getter, false, true, max(d, 0))
}

// TryGet removes and returns the next item without blocking, or returns
// ErrEmpty (or ErrShutDown) (gevent's get_nowait).
func (q *Queue[T]) TryGet() (T, error) { return q.get(getter, false, false, 0) }

// Peek returns the next item without removing it, blocking while the queue
// is empty. It fails as Get does. Peekers blocked before a getter see the
// item a putter hands to that getter.
func (q *Queue[T]) Peek() (T, error) { return q.get(peeker, false, true, -1) }

// PeekTimeout is Peek that waits at most d; then it returns ErrEmpty.
func (q *Queue[T]) PeekTimeout(d time.Duration) (T, error) {
	return q.get(peeker, false, true, max(d, 0))
}

// TryPeek returns the next item without removing it and without blocking,
// or returns ErrEmpty (or ErrShutDown).
func (q *Queue[T]) TryPeek() (T, error) { return q.get(peeker, false, false, 0) }

// Len returns the number of items in the queue (gevent's qsize).
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.storeLocked().len()
}

// Empty reports whether the queue holds no items.
func (q *Queue[T]) Empty() bool { return q.Len() == 0 }

// Full reports whether the queue holds maxsize items; an unbounded queue is
// never full.
func (q *Queue[T]) Full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
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
func (q *Queue[T]) Share() { q.aff.Share() }

// touch records the calling context and reports whether blocked callers must
// keep their hub alive.
func (q *Queue[T]) touch() bool { return q.aff.Touch() }

// storeLocked returns the item store, creating the FIFO of a zero Queue.
func (q *Queue[T]) storeLocked() store[T] {
	if q.items == nil {
		q.items = &ring[T]{}
	}
	return q.items
}

// fullLocked reports whether a put must wait; for a Channel (rv) always.
func (q *Queue[T]) fullLocked(rv bool) bool {
	return rv || q.maxsize > 0 && q.storeLocked().len() >= q.maxsize
}

// put implements Put, PutTimeout and TryPut of Queue (rv false) and Channel
// (rv true). It blocks only if block, for d (forever when d < 0).
func (q *Queue[T]) put(v T, rv, block bool, d time.Duration) error {
	shared := q.touch()
	q.mu.Lock()
	if q.shut {
		q.mu.Unlock()
		return ErrShutDown
	}
	if q.getters.Len() > 0 && q.handToGetterLocked(v) {
		q.unfinished++
		q.mu.Unlock()
		return nil
	}
	if !q.fullLocked(rv) {
		q.storeLocked().push(v)
		q.unfinished++
		q.mu.Unlock()
		return nil
	}
	if !block || gevent.InLoopCallback() {
		q.mu.Unlock()
		return ErrFull
	}
	n := q.enqueueLocked(&q.putters, putter, v, shared)
	q.mu.Unlock()
	if _, ok, err := q.block(n, d); !ok {
		if err == nil {
			err = ErrFull
		}
		return err
	}
	return nil
}

// get implements the gets and peeks of Queue (rv false) and Channel (rv
// true); r is getter or peeker.
func (q *Queue[T]) get(r role, rv, block bool, d time.Duration) (T, error) {
	var zero T
	shared := q.touch()
	q.mu.Lock()
	if s := q.storeLocked(); s.len() > 0 {
		var v T
		if r == peeker {
			v = s.peek()
		} else {
			v = s.pop()
			q.admitPuttersLocked(rv)
		}
		q.mu.Unlock()
		return v, nil
	}
	if r == getter && q.putters.Len() > 0 {
		// Only a Channel has blocked putters when it holds no items.
		if v, ok := q.takeFromPutterLocked(); ok {
			q.unfinished++
			q.mu.Unlock()
			return v, nil
		}
	}
	if q.shut {
		q.mu.Unlock()
		return zero, ErrShutDown
	}
	if !block || gevent.InLoopCallback() {
		q.mu.Unlock()
		return zero, ErrEmpty
	}
	n := q.enqueueLocked(&q.getters, r, zero, shared)
	q.mu.Unlock()
	v, ok, err := q.block(n, d)
	if !ok {
		if err == nil {
			err = ErrEmpty
		}
		return zero, err
	}
	return v, nil
}

// admitPuttersLocked moves the items of blocked putters into the queue while
// it has room, waking them in order.
func (q *Queue[T]) admitPuttersLocked(rv bool) {
	for q.putters.Len() > 0 && !q.fullLocked(rv) {
		v, ok := q.takeFromPutterLocked()
		if !ok {
			return
		}
		q.items.push(v)
		q.unfinished++
	}
}

// block parks the caller on n, which the caller linked, and ends its wait:
// it reports whether a waker completed the hand-off (then v is a getter's
// item), or returns the error that ended the wait (nil when d passed).
func (q *Queue[T]) block(n *node[T], d time.Duration) (v T, ok bool, err error) {
	returned := false
	defer func() {
		if returned {
			return
		}
		// The wait was unwound (the caller's hub was destroyed under it):
		// an item already handed to this getter goes back to the queue.
		q.mu.Lock()
		if n.handed && n.role == getter {
			q.requeueLocked(n.item)
		}
		q.releaseLocked(n)
		q.mu.Unlock()
	}()
	_, err = park(n.w, d)
	returned = true
	q.mu.Lock()
	v, ok = n.item, n.handed
	q.releaseLocked(n)
	q.mu.Unlock()
	if ok {
		err = nil
	}
	return v, ok, err
}

// requeueLocked gives back an item whose getter can no longer take it: to
// the next blocked getter, else to the front of the queue (even when that
// takes a bounded queue past maxsize).
func (q *Queue[T]) requeueLocked(v T) {
	if !q.handToGetterLocked(v) {
		q.storeLocked().unget(v)
	}
}

// ring is the FIFO store: a circular buffer whose length is zero or a power
// of two.
type ring[T any] struct {
	buf  []T
	head int
	n    int
}

const minRing = 8

func (r *ring[T]) len() int { return r.n }

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		r.resize(max(minRing, 2*len(r.buf)))
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	if len(r.buf) > 8*minRing && r.n < len(r.buf)/4 {
		r.resize(len(r.buf) / 2)
	}
	return v
}

func (r *ring[T]) peek() T { return r.buf[r.head] }

func (r *ring[T]) unget(v T) {
	if r.n == len(r.buf) {
		r.resize(max(minRing, 2*len(r.buf)))
	}
	r.head = (r.head - 1) & (len(r.buf) - 1)
	r.buf[r.head] = v
	r.n++
}

func (r *ring[T]) clear() int {
	n := r.n
	*r = ring[T]{}
	return n
}

// resize moves the items, in order, to a buffer of size c >= r.n.
func (r *ring[T]) resize(c int) {
	buf := make([]T, c)
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
	}
	r.buf, r.head = buf, 0
}
