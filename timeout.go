package gevent

import (
	"errors"
	"fmt"
	"time"

	"github.com/geventgo/gevent/internal/loop"
)

// ErrTimeoutPending is returned by Timeout.Start on a Timeout that is
// already pending.
var ErrTimeoutPending = errors.New("gevent: timeout is already started; to restart it, cancel it first")

// Timeout interrupts the greenlet (or hub-owning goroutine) that started it:
// when it expires, that context's pending blocking call, or its next one,
// returns the Timeout itself or the error given to NewTimeout (gevent.Timeout).
// Nested timeouts are told apart by identity: errors.Is(err, t). Every
// Timeout matches ErrTimeout and has a Timeout method, like net.Error.
//
// A Timeout belongs to the hub of the context that starts it; Start, Cancel
// and Pending must be called from that hub's goroutines. A Timeout cannot
// stop code that never reaches a switch point.
type Timeout struct {
	d     time.Duration
	err   error // custom error; nil: the Timeout itself
	t     *task // the context that started it
	timer *loop.Timer
	depth int32 // the Shield depth of t at Start

	pending bool
}

// NewTimeout returns an unstarted Timeout of duration d. err, if not nil, is
// what the interrupted call returns instead of the Timeout. A d <= 0
// expires at once: the context's next blocking call returns it, even if
// that call would not have waited long (a call that need not wait at all,
// such as JoinAll of dead greenlets, still succeeds). For no limit, start no
// Timeout (gevent's Timeout(None)).
func NewTimeout(d time.Duration, err error) *Timeout {
	return &Timeout{d: max(d, 0), err: err}
}

// StartTimeout returns a started Timeout (gevent's Timeout.start_new).
func StartTimeout(d time.Duration, err error) (*Timeout, error) {
	t := NewTimeout(d, err)
	return t, t.Start()
}

// Start arms the Timeout for the calling context. It returns
// ErrTimeoutPending if the Timeout is pending, and a Timeout that was
// cancelled or has expired can be started again.
func (to *Timeout) Start() error {
	if to.pending {
		return ErrTimeoutPending
	}
	h, t, err := ensureHub()
	if err != nil {
		return err
	}
	h.pin() // the Timeout keeps a timer on h's loop
	if t == nil {
		return ErrBlockingSwitchOut
	}
	if to.timer != nil && to.t.hub != h {
		to.timer.Close()
		to.timer = nil
	}
	to.t = t
	to.depth = t.shields
	to.pending = true
	if to.d == 0 {
		to.fire()
		return nil
	}
	if to.timer == nil {
		to.timer = h.loop.NewTimer(to.fire)
	}
	h.loop.UpdateNow()
	return to.timer.Start(to.d, 0)
}

// fire delivers the Timeout, or holds it while a Shield entered after its
// Start lasts.
func (to *Timeout) fire() {
	t := to.t
	if t.shields > to.depth {
		t.hub.heldTimeouts = append(t.hub.heldTimeouts, to)
		return
	}
	to.deliver()
}

// deliver throws the Timeout into the parked call of its context, or keeps
// it pending for the next one.
func (to *Timeout) deliver() {
	t := to.t
	if t.interrupt(to.value()) {
		to.pending = false
		return
	}
	t.holdPending(to)
}

// holdPending makes to the error of t's next blocking call. A pending
// Timeout that a Shield holds back gives way and is held again.
func (t *task) holdPending(to *Timeout) {
	if pt := t.pendingTimeout; pt != nil {
		if pt.depth >= t.shields {
			return // the one pending is delivered first
		}
		t.hub.heldTimeouts = append(t.hub.heldTimeouts, pt)
	}
	t.pendingTimeout = to
}

// Cancel disarms the Timeout; it can be started again. Cancelling a Timeout
// that is not pending does nothing.
func (to *Timeout) Cancel() {
	if to.timer != nil {
		to.timer.Stop()
	}
	if t := to.t; t != nil {
		if t.pendingTimeout == to {
			t.pendingTimeout = nil
		}
		held := t.hub.heldTimeouts
		for i, h := range held {
			if h == to {
				t.hub.heldTimeouts = append(held[:i], held[i+1:]...)
				break
			}
		}
	}
	to.pending = false
}

// Pending reports whether the Timeout is started and has neither expired
// nor been cancelled.
func (to *Timeout) Pending() bool { return to.pending }

// Duration returns the Timeout's duration.
func (to *Timeout) Duration() time.Duration { return to.d }

// value is what the interrupted call returns.
func (to *Timeout) value() error {
	if to.err != nil {
		return to.err
	}
	return to
}

// Error describes the Timeout in gevent's words: "gevent: timeout: 2
// seconds".
func (to *Timeout) Error() string {
	s := to.d.Seconds()
	unit := "seconds"
	if s == 1 {
		unit = "second"
	}
	msg := fmt.Sprintf("gevent: timeout: %g %s", s, unit)
	if to.err != nil {
		msg += ": " + to.err.Error()
	}
	return msg
}

// Timeout reports true, as net.Error's method does.
func (to *Timeout) Timeout() bool { return true }

// Temporary reports true, like ErrTimeout's, so that a *Timeout is a
// net.Error (net code tests err.(net.Error) before calling Timeout).
func (to *Timeout) Temporary() bool { return true }

// Is reports whether target is ErrTimeout.
func (to *Timeout) Is(target error) bool { return target == ErrTimeout }

// WithTimeout runs fn with a Timeout of d started for the calling context
// and cancelled when fn returns. If fn's error is this Timeout it is
// returned as is; so is a custom error. An outer Timeout that expires inside
// fn arrives as the outer one, which the caller tells apart by identity.
func WithTimeout(d time.Duration, fn func() error) error {
	to := NewTimeout(d, nil)
	if err := to.Start(); err != nil {
		return err
	}
	defer to.Cancel()
	return fn()
}
