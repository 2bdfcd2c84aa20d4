//go:build unix

// Small system-call helpers shared by the unix backends: errors, timeout
// conversion, and the gate that coalesces Wake calls. EINTR retries are
// internal/eintr's.
//
// Facts about EINTR that shape these helpers:
//
//   - Only calls that can be repeated without effect are retried (kevent change
//     lists that add or trigger, read and write on the waker). close(2) is never
//     retried: on Linux the descriptor is gone even when close reports EINTR, and
//     a retry may close a number another goroutine has just been given (close(2),
//     "Dealing with error returns from close()",
//     https://man7.org/linux/man-pages/man2/close.2.html).
//   - The blocking waits are not retried either. epoll_wait, poll and ppoll are
//     never restarted after a signal handler, SA_RESTART or not (signal(7),
//     https://man7.org/linux/man-pages/man7/signal.7.html), and the contract
//     turns EINTR into "0 events, nil error" so that the loop recomputes its
//     timeout from the clock instead of sleeping the full interval again.

package poller

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// backends maps each backend name this operating system provides to its
// constructor. The poll(2) backend exists on every unix; epoll_linux.go and
// kqueue_bsd.go add theirs in init functions.
var backends = map[string]func() (Poller, error){
	Poll: openPoll,
}

// errClosed is returned by every method of a Poller after Close. It matches
// os.ErrClosed under errors.Is.
var errClosed = fmt.Errorf("poller: %w", os.ErrClosed)

// errNoEvents is returned by Wait when the events slice is empty: an
// edge-triggered backend could otherwise consume an edge it cannot report.
var errNoEvents = errors.New("poller: Wait called with an empty events slice")

// checkFD returns an error wrapping EBADF if fd cannot be a registered
// descriptor (negative, or too large for Event.FD).
func checkFD(fd int) error {
	if fd < 0 || fd > math.MaxInt32 {
		return fmt.Errorf("poller: fd %d: %w", fd, unix.EBADF)
	}
	return nil
}

// durationToMillis converts a Wait timeout for system calls that take
// milliseconds: -1 for a negative timeout (wait forever), 0 for zero, and
// otherwise the duration rounded up to whole milliseconds, so that a positive
// timeout never becomes a non-blocking poll. It saturates at MaxInt32 (about
// 24.8 days); the caller simply waits again.
func durationToMillis(d time.Duration) int {
	if d < 0 {
		return -1
	}
	ms := d / time.Millisecond
	if d%time.Millisecond != 0 {
		ms++
	}
	if ms > math.MaxInt32 {
		ms = math.MaxInt32
	}
	return int(ms)
}

// durationToTimespec converts a Wait timeout for system calls that take a
// timespec, storing it in *ts: nil for a negative timeout (wait forever),
// otherwise ts with nanosecond resolution.
//
//lint:ignore U1000 used by epoll, ppoll and kqueue; unused on AIX and Solaris.
func durationToTimespec(d time.Duration, ts *unix.Timespec) *unix.Timespec {
	if d < 0 {
		return nil
	}
	*ts = unix.NsecToTimespec(int64(d))
	return ts
}

// wakeGate coalesces Wake calls into one kernel write per Wait, as the
// runtime's netpollWakeSig does, and keeps Wake away from closed descriptors.
//
// Wake calls enter and, only when it reports true, signals the kernel object
// and calls leave. Wait, on seeing the wake-up, first drains the kernel object
// and then calls reset. That order matters. Resetting before draining would let
// a concurrent Wake set pending and write in between; the drain would swallow
// that write and leave pending set with nothing to read, so that every later
// Wake is coalesced into a write that never happens and the loop sleeps
// forever. Resetting after draining can only lose a Wake that entered between
// the two steps, and such a Wake is already answered: the Wait that drains is
// about to return, and the caller looks at its queues after Wait returns.
// (The WakeStress case of poller_test.go catches the reversed order.)
//
// The zero value is ready to use. Methods other than reset may be called from
// any goroutine.
type wakeGate struct {
	pending atomic.Bool // a kernel wake-up is written or about to be
	closed  atomic.Bool // set by shut; written under mu
	mu      sync.Mutex  // held while the kernel object is signalled or closed
}

// enter reports whether the caller must signal the kernel object. If it
// returns true, the gate is locked until leave. After shut it returns errClosed.
func (g *wakeGate) enter() (bool, error) {
	if g.closed.Load() {
		return false, errClosed
	}
	if g.pending.Load() || !g.pending.CompareAndSwap(false, true) {
		return false, nil // a wake-up is already on its way
	}
	g.mu.Lock()
	if g.closed.Load() {
		g.mu.Unlock()
		return false, errClosed
	}
	return true, nil
}

// leave unlocks the gate after a successful enter.
func (g *wakeGate) leave() { g.mu.Unlock() }

// reset re-arms the gate. Wait calls it after draining the kernel object.
func (g *wakeGate) reset() { g.pending.Store(false) }

// shut makes every later enter fail and waits for a Wake in progress to
// finish, so that the caller may then close the kernel object. It reports
// false if the gate was already shut.
func (g *wakeGate) shut() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return !g.closed.Swap(true)
}
