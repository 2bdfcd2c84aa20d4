package lock

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/waitlist"
)

// Semaphore is a counter of permits (gevent.lock.Semaphore): Acquire takes
// one, waiting while none is free, and Release returns one. A Semaphore made
// with NewBoundedSemaphore refuses to hold more free permits than it started
// with (gevent's BoundedSemaphore).
//
// Blocked callers are served in the order they blocked: Release hands its
// permit straight to the first of them. A caller that gives up at that
// moment (its timeout, a Kill, a Timeout) does not take the permit, which
// goes to the next caller or back to the counter.
//
// All methods may be called from any goroutine: greenlets of any hub, hubs'
// owning goroutines and plain goroutines. The zero value is an unbounded
// Semaphore with no free permit. A Semaphore must not be copied after first
// use.
type Semaphore struct {
	_ noCopy

	// count is the number of free permits. Taken with a CAS on the fast
	// path; a Release adds to it before it looks for waiters.
	count atomic.Int64
	// parked is waiters.len(), readable without mu: Release skips the slow
	// path when it is 0. Written under mu, before the re-check of count, so
	// that a Release either sees the waiter or the waiter sees the permit.
	parked atomic.Int32

	bound   int64 // immutable: the initial value of a bounded semaphore
	bounded bool  // immutable

	aff // embedded: JoinAll finds the semaphore's hub through it

	mu      sync.Mutex // guards the fields below
	waiters waitList   // callers of Acquire and Wait, and links
}

// NewSemaphore returns a Semaphore with n free permits; n < 0 counts as 0
// (gevent raises ValueError), so that NewSemaphore(0) and NewSemaphore(-1)
// both make a Semaphore that every Acquire waits on until a Release.
func NewSemaphore(n int) *Semaphore {
	s := &Semaphore{}
	s.count.Store(int64(max(n, 0)))
	return s
}

// NewBoundedSemaphore returns a Semaphore with n free permits whose Release
// fails with ErrReleasedTooManyTimes once n permits are free; n < 0 counts
// as 0, which makes a semaphore that can never be acquired (every Release
// fails).
func NewBoundedSemaphore(n int) *Semaphore {
	s := NewSemaphore(n)
	s.bound, s.bounded = int64(max(n, 0)), true
	return s
}

// tryTake takes a free permit if there is one.
func (s *Semaphore) tryTake() bool {
	for {
		v := s.count.Load()
		if v <= 0 {
			return false
		}
		if s.count.CompareAndSwap(v, v-1) {
			return true
		}
	}
}

// Acquire takes a permit, waiting while none is free. It returns nil with
// the permit taken, or without a permit the error that ended the wait: the
// caller's Kill (gevent.ErrGreenletExit) or Timeout, gevent.ErrLoopExit,
// gevent.ErrBlockingSwitchOut in a loop callback, gevent.ErrHubDestroyed.
// A free permit is taken without switching.
func (s *Semaphore) Acquire() error {
	hubapi.Touch(&s.aff)
	if s.tryTake() {
		return nil
	}
	_, err := s.waitSlow(true, -1)
	return err
}

// AcquireTimeout is Acquire with a limit: it reports false, nil when d
// passes without a permit. With d <= 0 it does not wait.
func (s *Semaphore) AcquireTimeout(d time.Duration) (bool, error) {
	hubapi.Touch(&s.aff)
	if s.tryTake() {
		return true, nil
	}
	if d <= 0 {
		return false, nil
	}
	return s.waitSlow(true, d)
}

// TryAcquire takes a free permit and reports whether there was one. It
// never blocks.
func (s *Semaphore) TryAcquire() bool {
	hubapi.Touch(&s.aff)
	return s.tryTake()
}

// Wait waits until a permit is free, without taking it (gevent's wait).
// It returns nil then, or the error that ended the wait, as Acquire does.
// Callers of Wait and Acquire are woken in the order they blocked.
func (s *Semaphore) Wait() error {
	hubapi.Touch(&s.aff)
	if s.count.Load() > 0 {
		return nil
	}
	_, err := s.waitSlow(false, -1)
	return err
}

// WaitTimeout is Wait with a limit: it reports false, nil when d passes
// first. With d <= 0 it does not wait.
func (s *Semaphore) WaitTimeout(d time.Duration) (bool, error) {
	hubapi.Touch(&s.aff)
	if s.count.Load() > 0 {
		return true, nil
	}
	if d <= 0 {
		return false, nil
	}
	return s.waitSlow(false, d)
}

// waitSlow queues the caller and parks it until Release hands it a permit
// (take) or finds one free (!take). d < 0 waits without a limit.
func (s *Semaphore) waitSlow(take bool, d time.Duration) (ok bool, err error) {
	shared := hubapi.Touch(&s.aff)
	s.mu.Lock()
	s.parked.Add(1)
	// Re-check now that Release will see the waiter.
	if (take && s.tryTake()) || (!take && s.count.Load() > 0) {
		s.parked.Add(-1)
		s.mu.Unlock()
		return true, nil
	}
	w := waitlist.ContextWaiter(shared) // switched only under mu
	kind := kindWait
	if take {
		kind = kindAcquire
	}
	n := s.waiters.PushWaiter(w, kind, nil)
	s.mu.Unlock()
	defer func() { // also when a destroyed hub unwinds the caller
		s.mu.Lock()
		if s.waiters.Remove(n) {
			s.parked.Add(-1)
		}
		// Otherwise Release dequeued n: if its Switch failed, Release
		// kept the permit.
		s.waiters.Release(n)
		s.mu.Unlock()
	}()
	return waitlist.Park(w, d)
}

// Release returns a permit. If callers are blocked, the permit goes to the
// first of them. Release never blocks and may be called by any context,
// not only one that acquired. It returns ErrReleasedTooManyTimes, and
// changes nothing, on a bounded semaphore whose permits are all free; an
// unbounded Semaphore may be released more times than it was acquired.
func (s *Semaphore) Release() error {
	hubapi.Touch(&s.aff)
	if s.bounded {
		for {
			v := s.count.Load()
			if v >= s.bound {
				return ErrReleasedTooManyTimes
			}
			if s.count.CompareAndSwap(v, v+1) {
				break
			}
		}
	} else {
		s.count.Add(1)
	}
	if s.parked.Load() == 0 {
		return nil
	}
	s.wake()
	return nil
}

// wake serves the waiters in order while permits are free: an Acquire
// takes one, a Wait or a link only needs one to be free. The links run last,
// in order, on the caller's goroutine; a link unlinked meanwhile (by one of
// them) does not run.
func (s *Semaphore) wake() {
	var links []*waitNode
	s.mu.Lock()
	for n := s.waiters.Front(); n != nil; n = s.waiters.Front() {
		if n.Kind == kindAcquire {
			if !s.tryTake() {
				break
			}
			s.dequeueLocked()
			if !n.W.Switch() {
				// The waiter gave up at this moment: keep the permit
				// for the next one.
				s.count.Add(1)
			}
			continue
		}
		if s.count.Load() <= 0 {
			break
		}
		s.dequeueLocked()
		if n.IsLink() {
			links = append(links, n)
		} else {
			n.W.Switch()
		}
	}
	s.mu.Unlock()
	for _, n := range links {
		waitlist.Run(n)
	}
}

// dequeueLocked takes the first node off the list.
func (s *Semaphore) dequeueLocked() {
	s.waiters.PopFront()
	s.parked.Add(-1)
}

// Locked reports whether no permit is free (gevent's locked).
func (s *Semaphore) Locked() bool {
	hubapi.Touch(&s.aff)
	return s.count.Load() <= 0
}

// Value returns the number of free permits (gevent's counter).
func (s *Semaphore) Value() int {
	hubapi.Touch(&s.aff)
	return int(s.count.Load())
}

// Ready reports whether a permit is free; with RawLink and Unlink it makes
// a Semaphore a gevent.Waitable, so gevent.Wait and IWait accept it.
func (s *Semaphore) Ready() bool { return s.count.Load() > 0 }

// RawLink registers fn to run once, when a permit is free, after the
// callers that blocked in Acquire or Wait before it (gevent's rawlink). fn
// runs on the goroutine of the Release that frees the permit; if a permit
// is free already, fn is queued on the caller's hub, or called at once on a
// goroutine without a hub. fn must not block. Running fn takes no permit. A
// link unlinked before it runs, even by another link of the same Release,
// does not run.
func (s *Semaphore) RawLink(fn func()) gevent.LinkID {
	hubapi.Touch(&s.aff)
	s.mu.Lock()
	if s.count.Load() > 0 && s.waiters.Len() == 0 {
		n := s.waiters.AddLink(&s.mu, fn)
		s.mu.Unlock()
		schedule(func() { waitlist.Run(n) })
		return n.ID
	}
	s.parked.Add(1)
	id := s.waiters.PushLink(&s.mu, fn)
	s.mu.Unlock()
	return id
}

// Unlink removes a link that has not run yet; unknown ids are ignored.
func (s *Semaphore) Unlink(id gevent.LinkID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, listed := s.waiters.Unlink(id); listed {
		s.parked.Add(-1)
	}
}

// DummySemaphore is a Semaphore that never blocks and always has a permit
// (gevent.lock.DummySemaphore): Acquire succeeds at once and Release does
// nothing. Use it where code takes a lock it does not need. The zero value
// is ready to use and may be copied.
type DummySemaphore struct{}

// Acquire returns nil at once.
func (DummySemaphore) Acquire() error { return nil }

// AcquireTimeout returns true, nil at once.
func (DummySemaphore) AcquireTimeout(time.Duration) (bool, error) { return true, nil }

// TryAcquire returns true.
func (DummySemaphore) TryAcquire() bool { return true }

// Release does nothing and returns nil.
func (DummySemaphore) Release() error { return nil }

// Locked returns false.
func (DummySemaphore) Locked() bool { return false }

// Wait returns nil at once.
func (DummySemaphore) Wait() error { return nil }

// Ready returns true.
func (DummySemaphore) Ready() bool { return true }

// RawLink schedules fn as Semaphore.RawLink does for a free permit; the
// returned id cannot cancel it.
func (DummySemaphore) RawLink(fn func()) gevent.LinkID {
	schedule(fn)
	return 0
}

// Unlink does nothing.
func (DummySemaphore) Unlink(gevent.LinkID) {}

var (
	_ Acquirer        = (*Semaphore)(nil)
	_ Acquirer        = DummySemaphore{}
	_ gevent.Waitable = (*Semaphore)(nil)
	_ gevent.Waitable = DummySemaphore{}
)

// Share marks the semaphore as used by several hubs or goroutines before any
// of them has touched it, so that a hub waiting on it first stays alive for
// the releaser instead of reporting gevent.ErrLoopExit. The semaphore finds
// this out by itself once a second hub or a plain goroutine uses it. It
// never blocks.
func (s *Semaphore) Share() { hubapi.Share(&s.aff) }

// aff is the Affinity of a waitable object, embedded under this unexported
// name so that it adds nothing to the object's API (see hubapi.Affinity).
type aff = hubapi.Affinity
