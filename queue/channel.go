package queue

import (
	"iter"
	"time"

	"github.com/geventgo/gevent/internal/hubapi"
)

// Channel is a rendezvous queue that holds no items (gevent.queue.Channel):
// a put blocks until a getter takes the item, and a get blocks until a
// putter offers one. Blocked putters, and blocked getters, are served in the
// order they blocked. TryPut succeeds only when a getter is blocked (else
// ErrFull) and TryGet only when a putter is blocked (else ErrEmpty); so do
// Put and Get called from a loop callback.
//
// All methods may be called from any goroutine, as for Queue. The zero value
// is a Channel ready to use. A Channel must not be copied after first use.
type Channel[T any] struct {
	q Queue[T]
}

// NewChannel returns a new Channel. (gevent's Channel(maxsize=1) accepts no
// other size; here there is no size to give.)
func NewChannel[T any]() *Channel[T] { return &Channel[T]{} }

// Put blocks until a getter takes v, then returns nil. When a getter is
// already blocked, Put hands v over and then yields, so that on a hub the
// getter runs before the putter resumes (gevent's order); the item is
// delivered whatever ends that yield. It returns
// ErrShutDown after Shutdown (also when Shutdown happens while it waits),
// ErrFull when called from a loop callback and no getter is blocked, or the
// error that ended its wait (Kill, Timeout, gevent.ErrLoopExit); then no
// getter received v.
func (c *Channel[T]) Put(v T) error { return c.q.put(v, true, true, -1) }

// PutTimeout is Put that waits at most d for a getter; then it returns
// ErrFull. With d <= 0 it does not wait: it is TryPut.
func (c *Channel[T]) PutTimeout(v T, d time.Duration) error {
	return c.q.put(v, true, d > 0, d)
}

// TryPut hands v to a blocked getter without blocking or yielding, or
// returns ErrFull (or ErrShutDown).
func (c *Channel[T]) TryPut(v T) error { return c.q.put(v, true, false, 0) }

// Get blocks until a putter offers an item and returns it. It returns
// ErrShutDown after Shutdown, ErrEmpty when called from a loop callback and
// no putter is blocked, or the error that ended its wait (Kill, Timeout,
// gevent.ErrLoopExit).
func (c *Channel[T]) Get() (T, error) { return c.q.get(getter, true, true, -1) }

// GetTimeout is Get that waits at most d for a putter; then it returns
// ErrEmpty. With d <= 0 it does not wait: it is TryGet.
func (c *Channel[T]) GetTimeout(d time.Duration) (T, error) {
	return c.q.get(getter, true, d > 0, d)
}

// TryGet takes the item of a blocked putter without blocking, or returns
// ErrEmpty (or ErrShutDown).
func (c *Channel[T]) TryGet() (T, error) { return c.q.get(getter, true, false, 0) }

// Len returns 0: a Channel holds no items. (An item handed to a getter whose
// hub was destroyed before it could return is kept for the next getter and
// counted here.)
func (c *Channel[T]) Len() int { return c.q.Len() }

// Empty reports true, as gevent's Channel.empty does.
func (c *Channel[T]) Empty() bool { return true }

// Full reports true, as gevent's Channel.full does: a put cannot complete
// without a getter.
func (c *Channel[T]) Full() bool { return true }

// Balance returns the number of blocked putters minus the number of blocked
// getters (gevent's balance).
func (c *Channel[T]) Balance() int {
	_, b := c.q.enter(hubapi.Current())
	defer c.q.leave(b)
	return c.q.putters.Len() - c.q.getters.Len()
}

// All returns an iterator that yields items with Get until Get fails: after
// Shutdown, or when the caller's wait ends with an error.
func (c *Channel[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, err := c.Get()
			if err != nil || !yield(v) {
				return
			}
		}
	}
}

// Shutdown shuts the Channel down: every blocked putter and getter is woken
// with ErrShutDown, and every later put and get returns ErrShutDown. It
// never blocks. (gevent's Channel has no shutdown; it is here so that a
// consumer ranging over All can be stopped.)
func (c *Channel[T]) Shutdown() { c.q.Shutdown() }

// Share declares that the Channel is used by several hubs or goroutines;
// see Queue.Share.
func (c *Channel[T]) Share() { c.q.Share() }

// IsShutDown reports whether Shutdown has been called.
func (c *Channel[T]) IsShutDown() bool { return c.q.IsShutDown() }
