package event

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// ErrNilError is what SetError stores when it is given a nil error, so that
// the result is still ready and still a failure.
var ErrNilError = errors.New("event: AsyncResult.SetError called with a nil error")

// AsyncResult is a value or an error that greenlets and goroutines can wait
// for (gevent.event.AsyncResult): one side calls Set or SetError, any
// number of others call Get or Wait.
//
// As in gevent it is not one-shot: Set again overwrites the value, and
// SetError does not clear a value (nor Set an error). Once a value has been
// set, Get returns it, whether or not an error was set before or after.
//
// The zero AsyncResult is ready to use and not ready. All methods may be
// called from any greenlet, hub or goroutine. An AsyncResult must not be
// copied after first use.
type AsyncResult[T any] struct {
	linkable             // embedded: JoinAll finds the result's hub through it
	ready    atomic.Bool // written with linkable.mu held

	// Guarded by linkable.mu.
	value    T
	hasValue bool
	err      error
}

var _ gevent.Waitable = (*AsyncResult[int])(nil)

// Set stores v and wakes all waiters in the order they started waiting
// (gevent's set). It never blocks. Links run as Event.Set describes.
func (ar *AsyncResult[T]) Set(v T) {
	hubapi.Touch(&ar.linkable.aff)
	ar.linkable.mu.Lock()
	ar.value, ar.hasValue = v, true
	ar.readyLocked()
}

// SetError stores err and wakes all waiters (gevent's set_exception). Get
// returns err unless a value is set too. A nil err stores ErrNilError.
func (ar *AsyncResult[T]) SetError(err error) {
	if err == nil {
		err = ErrNilError
	}
	hubapi.Touch(&ar.linkable.aff)
	ar.linkable.mu.Lock()
	ar.err = err
	ar.readyLocked()
}

// readyLocked marks the result ready and notifies; it unlocks l.mu.
func (ar *AsyncResult[T]) readyLocked() {
	ar.ready.Store(true)
	links := ar.linkable.notifyLocked()
	ar.linkable.mu.Unlock()
	runLinks(links)
}

// SetFrom copies a finished greenlet's outcome: its value if it succeeded,
// its error otherwise (gevent's AsyncResult.__call__). Its signature lets
// it be a link target: g.Link(ar.SetFrom). A greenlet that has not finished
// leaves the result unchanged.
func (ar *AsyncResult[T]) SetFrom(g *gevent.Greenlet[T]) {
	if !g.Ready() {
		return
	}
	if err := g.Err(); err != nil {
		ar.SetError(err)
		return
	}
	ar.Set(g.Value())
}

// Ready reports whether a value or an error has been set.
func (ar *AsyncResult[T]) Ready() bool {
	hubapi.Touch(&ar.linkable.aff)
	return ar.ready.Load()
}

// Successful reports whether a value has been set (gevent's successful).
func (ar *AsyncResult[T]) Successful() bool {
	hubapi.Touch(&ar.linkable.aff)
	ar.linkable.mu.Lock()
	defer ar.linkable.mu.Unlock()
	return ar.hasValue
}

// Value returns the value set, or the zero value if none was.
func (ar *AsyncResult[T]) Value() T {
	hubapi.Touch(&ar.linkable.aff)
	ar.linkable.mu.Lock()
	defer ar.linkable.mu.Unlock()
	return ar.value
}

// Err returns the error set by SetError, or nil (gevent's exception). It
// stays set when a value is set too, though Get then reports the value.
func (ar *AsyncResult[T]) Err() error {
	hubapi.Touch(&ar.linkable.aff)
	ar.linkable.mu.Lock()
	defer ar.linkable.mu.Unlock()
	return ar.err
}

// Get blocks until the result is ready and returns it: the value and nil
// if one was set, else the zero value and the error set by SetError. If
// the wait fails it returns the zero value and the error that interrupted
// it, as Event.Wait describes.
func (ar *AsyncResult[T]) Get() (T, error) {
	return ar.get(-1)
}

// GetTimeout is Get with a limit: after d it returns the zero value and
// gevent.ErrTimeout. With d <= 0 it does not wait: it is TryGet, except that
// the error of a result not ready is gevent.ErrTimeout.
func (ar *AsyncResult[T]) GetTimeout(d time.Duration) (T, error) {
	if d <= 0 {
		v, err := ar.TryGet()
		if err == gevent.ErrNotReady {
			err = gevent.ErrTimeout
		}
		return v, err
	}
	return ar.get(d)
}

// TryGet returns the result without blocking, or the zero value and
// gevent.ErrNotReady when nothing has been set (gevent's get_nowait).
func (ar *AsyncResult[T]) TryGet() (T, error) {
	hubapi.Touch(&ar.linkable.aff)
	ar.linkable.mu.Lock()
	defer ar.linkable.mu.Unlock()
	if !ar.ready.Load() {
		var zero T
		return zero, gevent.ErrNotReady
	}
	return ar.resultLocked()
}

func (ar *AsyncResult[T]) get(d time.Duration) (T, error) {
	shared := hubapi.Touch(&ar.linkable.aff)
	ar.linkable.mu.Lock()
	if ar.ready.Load() && ar.linkable.inflight <= 0 {
		defer ar.linkable.mu.Unlock()
		return ar.resultLocked()
	}
	var zero T
	ok, err := ar.linkable.waitLocked(ar.ready.Load(), shared, d)
	if err != nil {
		return zero, err
	}
	if !ok {
		return zero, gevent.ErrTimeout
	}
	ar.linkable.mu.Lock()
	defer ar.linkable.mu.Unlock()
	return ar.resultLocked()
}

func (ar *AsyncResult[T]) resultLocked() (T, error) {
	if ar.hasValue {
		return ar.value, nil
	}
	var zero T
	return zero, ar.err
}

// Wait blocks until the result is ready and returns nil, or the error that
// interrupted the wait (as Event.Wait describes). Unlike gevent's wait it
// does not return the value; use Get or Value.
func (ar *AsyncResult[T]) Wait() error {
	_, err := ar.wait(-1)
	return err
}

// WaitTimeout is Wait with a limit: it reports false, nil when d passed
// before the result was ready. With d <= 0 it does not wait: it reports
// Ready.
func (ar *AsyncResult[T]) WaitTimeout(d time.Duration) (bool, error) {
	if d <= 0 {
		return ar.Ready(), nil
	}
	return ar.wait(d)
}

func (ar *AsyncResult[T]) wait(d time.Duration) (bool, error) {
	shared := hubapi.Touch(&ar.linkable.aff)
	ar.linkable.mu.Lock()
	return ar.linkable.waitLocked(ar.ready.Load(), shared, d)
}

// RawLink registers fn to run once when the result becomes ready, or queues
// it at once if it is ready, as Event.RawLink describes.
func (ar *AsyncResult[T]) RawLink(fn func()) gevent.LinkID {
	hubapi.Touch(&ar.linkable.aff)
	ar.linkable.mu.Lock()
	return ar.linkable.rawLinkLocked(ar.ready.Load(), fn)
}

// Unlink removes a link that has not run yet, also one that a notification
// has already queued (so a link can unlink another of the same notification,
// as in gevent); unknown ids are ignored.
func (ar *AsyncResult[T]) Unlink(id gevent.LinkID) { ar.linkable.unlink(id) }

// LinkCount returns the number of waiters and links queued on the result.
func (ar *AsyncResult[T]) LinkCount() int { return ar.linkable.linkCount() }

// Share marks the AsyncResult as used by several hubs or goroutines before
// any of them has touched it (see Event.Share).
func (ar *AsyncResult[T]) Share() { hubapi.Share(&ar.linkable.aff) }
