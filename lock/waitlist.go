package lock

import (
	"errors"
	"time"

	"github.com/geventgo/gevent"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrNegativeValue is returned by NewSemaphore and NewBoundedSemaphore
	// for a negative initial value (gevent's ValueError).
	ErrNegativeValue = errors.New("lock: semaphore initial value must be >= 0")

	// ErrReleasedTooManyTimes is returned by Release of a bounded semaphore
	// whose every permit is already free (gevent's ValueError).
	ErrReleasedTooManyTimes = errors.New("lock: semaphore released too many times")

	// ErrNotOwner is wrapped by the error RLock.Release returns when the
	// caller does not hold the lock (gevent's RuntimeError).
	ErrNotOwner = errors.New("lock: cannot release un-acquired lock")
)

// Acquirer is the interface shared by *Semaphore, *RLock and DummySemaphore,
// so that code can take any of them (gevent's duck-typed lock objects).
type Acquirer interface {
	Acquire() error
	AcquireTimeout(d time.Duration) (bool, error)
	TryAcquire() bool
	Release() error
	Locked() bool
}

// node is one entry of a waitList: a parked caller (w set) or a RawLink
// callback (fn set). Every field is guarded by the owning object's mutex.
type node struct {
	w         *gevent.Waiter // the parked caller; nil for a link
	fn        func()         // the link's callback; nil for a caller
	id        gevent.LinkID  // the link's id
	owner     any            // RLock: the identity the lock goes to
	acquire   bool           // Semaphore: the caller takes a permit when woken
	cancelled bool           // the link was unlinked
	prev      *node
	next      *node
	listed    bool // n is in a list
}

// waitList is a FIFO of nodes with O(1) removal (trio's ParkingLot). It is
// not goroutine-safe; its owner guards it. The zero value is an empty list.
type waitList struct {
	head, tail *node
	n          int
}

// pushBack appends n.
func (l *waitList) pushBack(n *node) {
	n.prev, n.next, n.listed = l.tail, nil, true
	if l.tail == nil {
		l.head = n
	} else {
		l.tail.next = n
	}
	l.tail = n
	l.n++
}

// front returns the first node, or nil.
func (l *waitList) front() *node { return l.head }

// remove takes n out of the list and reports whether it was in it.
func (l *waitList) remove(n *node) bool {
	if !n.listed {
		return false
	}
	if n.prev == nil {
		l.head = n.next
	} else {
		n.prev.next = n.next
	}
	if n.next == nil {
		l.tail = n.prev
	} else {
		n.next.prev = n.prev
	}
	n.prev, n.next, n.listed = nil, nil, false
	l.n--
	return true
}

// len returns the number of nodes.
func (l *waitList) len() int { return l.n }

// wait parks on w for d (d < 0: no limit) and reports whether w was
// switched; see gevent.Waiter.
func wait(w *gevent.Waiter, d time.Duration) (bool, error) {
	if d < 0 {
		if err := w.Wait(); err != nil {
			return false, err
		}
		return true, nil
	}
	return w.WaitTimeout(d)
}

// schedule runs fn soon: as a callback of the caller's hub when there is
// one, so that it runs after the caller yields, as gevent's rawlink on a
// ready object does; directly on a goroutine without a hub.
func schedule(fn func()) {
	if h := gevent.CurrentHubIfAny(); h != nil {
		h.RunCallback(fn)
		return
	}
	fn()
}

// noCopy makes go vet's copylocks check report copies of the types that
// embed it.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
