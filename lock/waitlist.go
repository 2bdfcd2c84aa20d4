package lock

import (
	"errors"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/ilist"
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
	k         ilist.Links[node]
}

// ListLinks makes node an ilist node.
func (n *node) ListLinks() *ilist.Links[node] { return &n.k }

// waitList is a FIFO of nodes with O(1) removal (trio's ParkingLot). It is
// not goroutine-safe; its owner guards it. The zero value is an empty list.
type waitList = ilist.List[node, *node]

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
