package lock

import (
	"fmt"
	"sync"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/goid"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/waitlist"
)

// RLock is a re-entrant lock owned by the context that acquired it
// (gevent.lock.RLock): a greenlet, a hub's owning goroutine, a loop callback
// of a hub, or a plain goroutine. The owner may acquire it again; it is free
// once every Acquire has been matched by a Release. Other contexts wait, in
// the order they blocked, and the lock goes straight to the first of them.
//
// All methods may be called from any goroutine. The zero value is an
// unlocked RLock. An RLock must not be copied after first use.
type RLock struct {
	_ noCopy

	aff hubapi.Affinity

	mu      sync.Mutex // guards the fields below
	owner   any        // the holder's identity (see self); nil: unlocked
	depth   int        // Acquires not yet released by the owner
	waiters waitList
}

// Identities of the contexts that are not greenlets. A greenlet is
// identified by the *gevent.Greenlet that gevent.Current returns.
type (
	hubCallback struct{ h *gevent.Hub } // a loop callback of a hub
	// goroutine is any other goroutine, by goid: a hub's owning goroutine
	// keeps the identity it had before it got its hub.
	goroutine int64
)

// self returns the identity of the calling context.
func self() any {
	if g := gevent.Current(); g != nil {
		return g
	}
	if h, cb := hubapi.Here(); cb {
		return hubCallback{h}
	}
	return goroutine(goid.Get())
}

// Acquire takes the lock, waiting while another context holds it; the
// owner takes it again at once. It returns nil with the lock taken, or
// without it the error that ended the wait: the caller's Kill
// (gevent.ErrGreenletExit) or Timeout, gevent.ErrLoopExit,
// gevent.ErrBlockingSwitchOut in a loop callback, gevent.ErrHubDestroyed.
func (l *RLock) Acquire() error {
	_, err := l.acquire(-1)
	return err
}

// AcquireTimeout is Acquire with a limit: it reports false, nil when d
// passes first. With d <= 0 it does not wait.
func (l *RLock) AcquireTimeout(d time.Duration) (bool, error) {
	if d <= 0 {
		return l.TryAcquire(), nil
	}
	return l.acquire(d)
}

// TryAcquire takes the lock if it is free or held by the caller, and
// reports whether it did. It never blocks.
func (l *RLock) TryAcquire() bool {
	hubapi.Touch(&l.aff)
	me := self()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tryLocked(me)
}

func (l *RLock) tryLocked(me any) bool {
	switch l.owner {
	case nil:
		l.owner, l.depth = me, 1
		return true
	case me:
		l.depth++
		return true
	}
	return false
}

func (l *RLock) acquire(d time.Duration) (bool, error) {
	shared := hubapi.Touch(&l.aff)
	me := self()
	l.mu.Lock()
	if l.tryLocked(me) {
		l.mu.Unlock()
		return true, nil
	}
	w := waitlist.ContextWaiter(shared) // switched only under mu
	n := l.waiters.PushWaiter(w, 0, me)
	l.mu.Unlock()
	defer func() { // also when a destroyed hub unwinds the caller
		l.mu.Lock()
		// If n is not listed, Release dequeued it: either its Switch
		// succeeded (the caller owns the lock) or it failed and Release
		// passed the lock on.
		l.waiters.Release(n)
		l.mu.Unlock()
	}()
	return waitlist.Park(w, d) // true: Release made the caller the owner
}

// Release undoes one Acquire of the owner. When the last one is undone, the
// lock goes to the first blocked context, or becomes free. Release never
// blocks. Called by a context that does not hold the lock, it changes
// nothing and returns an error wrapping ErrNotOwner.
func (l *RLock) Release() error {
	hubapi.Touch(&l.aff)
	me := self()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.owner != me {
		return fmt.Errorf("%w: owner %v, current %v", ErrNotOwner, describe(l.owner), describe(me))
	}
	l.depth--
	if l.depth > 0 {
		return nil
	}
	l.owner = nil
	for n := l.waiters.PopFront(); n != nil; n = l.waiters.PopFront() {
		l.owner, l.depth = n.Item, 1
		if n.W.Switch() {
			return nil
		}
		// The waiter gave up at this moment; try the next one.
		l.owner, l.depth = nil, 0
	}
	return nil
}

// describe formats an identity for ErrNotOwner's message.
func describe(id any) string {
	switch v := id.(type) {
	case nil:
		return "none"
	case hubCallback:
		return fmt.Sprintf("loop callback of hub %p", v.h)
	case goroutine:
		return fmt.Sprintf("goroutine %d", int64(v))
	}
	return fmt.Sprint(id)
}

// Locked reports whether some context holds the lock.
func (l *RLock) Locked() bool {
	hubapi.Touch(&l.aff)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.owner != nil
}

// Owned reports whether the calling context holds the lock (gevent's
// _is_owned).
func (l *RLock) Owned() bool {
	hubapi.Touch(&l.aff)
	me := self()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.owner == me
}

var _ Acquirer = (*RLock)(nil)
