//go:build unix

package socket

// A netFD is a non-blocking socket served by the event loop of the hub that
// created it (its owner). The algorithm is internal/poll's: try the system
// call; on EAGAIN wait for readiness and retry. Waiting is done with a
// gevent.Waiter, so a greenlet parks cooperatively; the loop's IO watchers
// live on the owner hub, and a wait from another hub or a plain goroutine is
// relayed to the owner through its goroutine-safe callback queue, so the
// owner hub must be running (blocked in a gevent call) for such waits to
// finish.
//
// Epoll is edge-triggered (see loop's package documentation): a watcher
// fires once per readiness edge, and the retry loop below always reads or
// writes until EAGAIN before waiting again.
//
// Close follows internal/poll's fdMutex in spirit: it marks the descriptor
// closing, wakes every waiter with net.ErrClosed, and the close(2) itself
// happens when the last operation in progress has left, after the owner hub
// has removed the descriptor from its poller, so that a reused number never
// receives a stale event.

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/loop"
	"golang.org/x/sys/unix"
)

const (
	dirRead = iota
	dirWrite
)

// errDeadlineChanged is thrown into a waiter when its deadline moves, so that
// it recomputes its wait.
var errDeadlineChanged = errors.New("socket: deadline changed")

type netFD struct {
	hub    *gevent.Hub // owner; immutable
	sysfd  int         // immutable until destroyed
	family int
	sotype int
	net    string

	// One operation per direction at a time. Greenlets only TryLock and get a
	// ConcurrentUseError; plain goroutines queue as with package net.
	opMu [2]sync.Mutex

	// deadline of each direction in Unix nanoseconds, 0 for none. Written
	// with mu held (so that a waiter registered under mu sees the change or
	// is woken by it), read without it.
	deadline [2]atomic.Int64

	// state counts the operations in progress; closingBit is set by Close.
	state atomic.Int64

	mu     sync.Mutex        // guards the fields below
	waiter [2]*gevent.Waiter // the waiter of each direction
	laddr  net.Addr
	raddr  net.Addr

	// Owner-hub only.
	io    [2]*loop.IO
	spare [2]gevent.Waiter // reused by greenlets of the owner hub

	// Guarded by opMu[dirRead].
	drained bool // the last read returned less than asked: the queue was empty
}

// newFD wraps a non-blocking, close-on-exec socket for the caller's hub, or
// for the background hub when the caller has none (see background.go).
func newFD(sysfd, family, sotype int, network string) (*netFD, error) {
	h := ownerHub()
	if h == nil {
		unix.Close(sysfd)
		return nil, errors.New("socket: cannot create a hub for this goroutine")
	}
	return &netFD{hub: h, sysfd: sysfd, family: family, sotype: sotype, net: network}, nil
}

// closingBit in netFD.state marks a descriptor that Close was called on.
const closingBit = 1 << 62

// incref registers an operation; it fails once Close was called.
func (fd *netFD) incref() error {
	for {
		s := fd.state.Load()
		if s&closingBit != 0 {
			return net.ErrClosed
		}
		if fd.state.CompareAndSwap(s, s+1) {
			return nil
		}
	}
}

// decref ends an operation and destroys the descriptor if it was the last
// one after Close.
func (fd *netFD) decref() {
	if fd.state.Add(-1) == closingBit {
		fd.destroy()
	}
}

// isClosing reports whether Close was called.
func (fd *netFD) isClosing() bool { return fd.state.Load()&closingBit != 0 }

// lockOp takes the direction's operation lock and a reference.
func (fd *netFD) lockOp(dir int) error {
	if err := fd.incref(); err != nil {
		return err
	}
	if gevent.CurrentHubIfAny() != nil {
		if !fd.opMu[dir].TryLock() {
			fd.decref()
			op := "read"
			if dir == dirWrite {
				op = "write"
			}
			return &gevent.ConcurrentUseError{Op: op, Object: "socket " + fd.net}
		}
	} else {
		fd.opMu[dir].Lock()
	}
	return nil
}

func (fd *netFD) unlockOp(dir int) {
	fd.opMu[dir].Unlock()
	fd.decref()
}

// Close marks the descriptor closed, wakes the blocked operations with
// net.ErrClosed and closes it once they have left. A second Close returns
// net.ErrClosed.
func (fd *netFD) Close() error {
	var s int64
	for {
		s = fd.state.Load()
		if s&closingBit != 0 {
			return net.ErrClosed
		}
		if fd.state.CompareAndSwap(s, s|closingBit) {
			break
		}
	}
	// A waiter registers under mu after checking isClosing, so it either
	// sees the bit or is seen here.
	fd.mu.Lock()
	waiters := fd.waiter
	fd.mu.Unlock()
	for _, w := range waiters {
		if w != nil {
			w.Throw(net.ErrClosed)
		}
	}
	if s == 0 { // no operation in progress: nobody else will destroy it
		fd.destroy()
	}
	return nil
}

// destroy removes the descriptor from the owner's loop and closes it.
func (fd *netFD) destroy() {
	if gevent.CurrentHubIfAny() == fd.hub {
		fd.destroyOnHub()
		return
	}
	if fd.hub.RunCallbackThreadsafe(fd.destroyOnHub) != nil {
		unix.Close(fd.sysfd) // the owner's loop is gone
	}
}

func (fd *netFD) destroyOnHub() {
	for i, w := range fd.io {
		if w != nil {
			w.Close()
			fd.io[i] = nil
		}
	}
	fd.hub.Loop().ForgetFD(fd.sysfd)
	unix.Close(fd.sysfd)
}

// wait blocks until the direction may be ready, its deadline passes
// (os.ErrDeadlineExceeded), the descriptor is closed (net.ErrClosed) or the
// caller is interrupted (its kill or Timeout error). It returns nil also
// when the deadline was changed, so that the caller retries.
func (fd *netFD) wait(dir int) error {
	onOwner := gevent.CurrentHubIfAny() == fd.hub && !gevent.InLoopCallback()
	var w *gevent.Waiter
	if onOwner {
		w = &fd.spare[dir]
		w.Rearm()
	} else {
		w = gevent.NewWaiter()
		w.SetRef(true)
	}
	fd.mu.Lock()
	if fd.isClosing() {
		fd.mu.Unlock()
		return net.ErrClosed
	}
	fd.waiter[dir] = w
	fd.mu.Unlock()
	deadline := fd.deadline[dir].Load()

	var timeout time.Duration = -1
	if deadline != 0 {
		if timeout = time.Until(time.Unix(0, deadline)); timeout <= 0 {
			fd.clearWaiter(dir, w)
			return os.ErrDeadlineExceeded
		}
	}
	if onOwner {
		fd.arm(dir)
	} else if err := fd.hub.RunCallbackThreadsafe(func() { fd.arm(dir) }); err != nil {
		fd.clearWaiter(dir, w)
		return net.ErrClosed
	}
	var ok bool
	var err error
	if timeout < 0 {
		err = w.Wait()
		ok = err == nil
	} else {
		ok, err = w.WaitTimeout(timeout)
	}
	fd.clearWaiter(dir, w)
	if onOwner && fd.io[dir] != nil {
		fd.io[dir].Stop()
	}
	switch {
	case errors.Is(err, errDeadlineChanged):
		return nil
	case err != nil:
		return err
	case !ok:
		return os.ErrDeadlineExceeded
	}
	return nil
}

func (fd *netFD) clearWaiter(dir int, w *gevent.Waiter) {
	fd.mu.Lock()
	if fd.waiter[dir] == w {
		fd.waiter[dir] = nil
	}
	fd.mu.Unlock()
}

// arm starts the direction's IO watcher; it runs on the owner hub.
func (fd *netFD) arm(dir int) {
	fd.mu.Lock()
	closing, w := fd.isClosing(), fd.waiter[dir]
	fd.mu.Unlock()
	if closing || w == nil {
		return
	}
	if fd.io[dir] == nil {
		ev := loop.Read
		if dir == dirWrite {
			ev = loop.Write
		}
		io, err := fd.hub.Loop().NewIO(fd.sysfd, ev, func(loop.Interest) { fd.ready(dir) })
		if err != nil {
			w.Throw(err)
			return
		}
		fd.io[dir] = io
	}
	if err := fd.io[dir].Start(); err != nil {
		w.Throw(net.ErrClosed)
	}
}

// ready is the IO watcher's callback: it wakes the direction's waiter.
func (fd *netFD) ready(dir int) {
	fd.io[dir].Stop()
	fd.mu.Lock()
	w := fd.waiter[dir]
	fd.mu.Unlock()
	if w != nil {
		w.Switch()
	}
}

// setDeadline sets the deadline of the given directions and wakes their
// waiters so that they recompute their wait.
func (fd *netFD) setDeadline(t time.Time, dirs ...int) error {
	if fd.isClosing() {
		return net.ErrClosed
	}
	fd.mu.Lock()
	var wake []*gevent.Waiter
	ns := int64(0)
	if !t.IsZero() {
		ns = max(t.UnixNano(), 1)
	}
	for _, d := range dirs {
		fd.deadline[d].Store(ns)
		if w := fd.waiter[d]; w != nil {
			wake = append(wake, w)
		}
	}
	fd.mu.Unlock()
	for _, w := range wake {
		w.Throw(errDeadlineChanged)
	}
	return nil
}

// deadlinePassed reports whether the direction's deadline is set and past.
func (fd *netFD) deadlinePassed(dir int) bool {
	d := fd.deadline[dir].Load()
	return d != 0 && time.Now().UnixNano() >= d
}

// ignoringEINTR retries fn while it fails with EINTR.
func ignoringEINTR[T any](fn func() (T, error)) (T, error) {
	for {
		v, err := fn()
		if err != unix.EINTR {
			return v, err
		}
	}
}
