package lock

import (
	"errors"
	"time"

	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/waitlist"
)

// Sentinel errors. Compare with errors.Is.
var (
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

// waitList is the FIFO of parked callers and links of a Semaphore or an
// RLock (internal/waitlist); an RLock's nodes carry the identity the lock
// goes to. Its owner's mutex guards it.
type waitList = waitlist.List[any]

// waitNode is an entry of a waitList.
type waitNode = waitlist.Node[any]

// Kinds of Semaphore waiters.
const (
	kindWait    uint8 = iota // Wait: needs a free permit, takes none
	kindAcquire              // Acquire: takes a permit when woken
)

// schedule runs fn soon: as a callback of the caller's hub when there is
// one, so that it runs after the caller yields, as gevent's rawlink on a
// ready object does; directly on a goroutine without a hub.
func schedule(fn func()) {
	if h := hubapi.CurrentHubIfAny(); h != nil {
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
