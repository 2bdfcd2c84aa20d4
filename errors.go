package gevent

import (
	"errors"
	"fmt"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrGreenletExit is what Kill delivers: every blocking call of a killed
	// greenlet returns it. A greenlet that returns it has succeeded.
	ErrGreenletExit = errors.New("gevent: greenlet exit")

	// ErrLoopExit is returned by a blocking call in a hub's own goroutine
	// when nothing is left that could ever wake it (gevent's LoopExit): no
	// referenced watcher, timer or queued callback, no wait on an object
	// that another hub or goroutine has used, and no other goroutine of the
	// process that could still run on its own (every one is blocked on a
	// channel, a lock or a parked greenlet, or owns an idle hub too; see
	// docs/design.md). The error returned wraps it and names what was
	// waited for; compare with errors.Is. An object that a timer, or a
	// goroutine blocked on a timer's channel, will use later is marked with
	// its Share method.
	ErrLoopExit = errors.New("gevent: this operation would block forever")

	// ErrBlockingSwitchOut is returned by a blocking call made from inside a
	// loop callback, where nothing can be parked.
	ErrBlockingSwitchOut = errors.New("gevent: impossible to call blocking function in the event loop callback")

	// ErrNotReady is returned by TryGet on a greenlet that has not finished.
	ErrNotReady = errors.New("gevent: not ready")

	// ErrHubDestroyed is returned by calls on a destroyed hub and delivered to
	// greenlets still parked when their hub is destroyed.
	ErrHubDestroyed = errors.New("gevent: hub destroyed")

	// ErrHubExists is returned by Run when the calling goroutine already owns
	// a hub or is a greenlet.
	ErrHubExists = errors.New("gevent: goroutine already runs a hub")
)

// ErrTimeout matches every timeout this package reports: errors.Is(err,
// ErrTimeout) holds for any *Timeout and for the expiry of GetTimeout,
// JoinTimeout and Waiter.WaitTimeout's callers. It implements net.Error's
// Timeout method.
var ErrTimeout error = timeoutSentinel{}

type timeoutSentinel struct{}

func (timeoutSentinel) Error() string   { return "gevent: timeout" }
func (timeoutSentinel) Timeout() bool   { return true }
func (timeoutSentinel) Temporary() bool { return true }

// PanicError is the error stored for a greenlet whose function panicked.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine stack at the panic
}

func (e *PanicError) Error() string { return fmt.Sprintf("gevent: panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// ConcurrentUseError reports that a second greenlet tried to wait on an
// object that allows one waiter at a time, such as one direction of a socket
// (gevent's ConcurrentObjectUseError).
type ConcurrentUseError struct {
	Op     string // the operation, such as "read"
	Object string // what was used
}

func (e *ConcurrentUseError) Error() string {
	return fmt.Sprintf("gevent: %s is already used by another greenlet for %s", e.Object, e.Op)
}
