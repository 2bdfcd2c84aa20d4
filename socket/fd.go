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

	// deadline of each direction in Unix nanoseconds, 0 for none. A change
	// is stored before the direction's waiter is loaded, and a waiter is
	// stored before the deadline is loaded, so one of the two sees the other.
	deadline [2]atomic.Int64

	// state counts the operations in progress; closingBit is set by Close.
	state atomic.Int64

	// The waiter of each direction, nil when nobody waits. Stored before
	// state is checked for closingBit, while Close sets that bit before it
	// loads the waiters: a waiter either sees the bit or is woken by Close.
	waiter [2]atomic.Pointer[gevent.Waiter]

	laddr net.Addr
	raddr net.Addr

	// Owner-hub only.
	io    [2]*loop.IO
	spare [2]gevent.Waiter // reused by greenlets of the owner hub
	// watching: the direction's watcher stays started for the descriptor's
	// life (the read direction on an edge-triggered poller), instead of
	// being started for each wait; it then keeps the loop alive only while
	// somebody waits. edge: such a watcher fired while nobody waited, so the
	// next wait returns at once and the caller retries its system call.
	watching [2]bool
	edge     [2]bool

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

// lockOp takes the direction's operation lock and a reference. It reports
// whether the caller is a greenlet (or the owning goroutine) of the owner hub,
// which waits on the loop directly; everyone else relays to it (see wait).
func (fd *netFD) lockOp(dir int) (onOwner bool, err error) {
	if err := fd.incref(); err != nil {
		return false, err
	}
	h, inCallback := gevent.Here()
	if h != nil {
		if !fd.opMu[dir].TryLock() {
			fd.decref()
			op := "read"
			if dir == dirWrite {
				op = "write"
			}
			return false, &gevent.ConcurrentUseError{Op: op, Object: "socket " + fd.net}
		}
	} else {
		fd.opMu[dir].Lock()
	}
	return h == fd.hub && !inCallback, nil
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
	for dir := range fd.waiter {
		if w := fd.waiter[dir].Load(); w != nil {
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
// when the deadline was changed, so that the caller retries. onOwner is what
// lockOp reported.
func (fd *netFD) wait(dir int, onOwner bool) error {
	if onOwner && fd.edge[dir] {
		fd.edge[dir] = false
		return nil
	}
	var w *gevent.Waiter
	if onOwner {
		w = &fd.spare[dir]
		w.Rearm()
	} else {
		w = gevent.NewWaiter()
		w.SetRef(true)
	}
	fd.waiter[dir].Store(w)
	if fd.isClosing() {
		fd.waiter[dir].CompareAndSwap(w, nil)
		return net.ErrClosed
	}
	var timeout time.Duration = -1
	if deadline := fd.deadline[dir].Load(); deadline != 0 {
		if timeout = time.Until(time.Unix(0, deadline)); timeout <= 0 {
			fd.waiter[dir].CompareAndSwap(w, nil)
			return os.ErrDeadlineExceeded
		}
	}
	if onOwner {
		fd.arm(dir)
	} else if err := fd.hub.RunCallbackThreadsafe(func() { fd.arm(dir) }); err != nil {
		fd.waiter[dir].CompareAndSwap(w, nil)
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
	fd.waiter[dir].CompareAndSwap(w, nil)
	if onOwner {
		fd.disarm(dir)
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

// arm makes the direction's watcher wake its waiter; it runs on the owner
// hub. The read watcher of an edge-triggered poller is started once and
// kept: arming it only makes it keep the loop alive, or wakes the waiter at
// once when an edge came while nobody waited. Other watchers are started
// here and stopped when they fire or the wait ends.
func (fd *netFD) arm(dir int) {
	w := fd.waiter[dir].Load()
	if fd.isClosing() || w == nil || w.Ready() {
		return
	}
	io := fd.io[dir]
	if io == nil {
		ev := loop.Read
		if dir == dirWrite {
			ev = loop.Write
		}
		var err error
		l := fd.hub.Loop()
		io, err = l.NewIO(fd.sysfd, ev, func(loop.Interest) { fd.ready(dir) })
		if err != nil {
			w.Throw(err)
			return
		}
		fd.io[dir] = io
		fd.watching[dir] = dir == dirRead && l.EdgeTriggered()
	}
	if !fd.watching[dir] {
		if err := io.Start(); err != nil {
			w.Throw(net.ErrClosed)
		}
		return
	}
	if fd.edge[dir] {
		fd.edge[dir] = false
		w.Switch()
		return
	}
	io.SetRef(true)
	if !io.Active() {
		if err := io.Start(); err != nil {
			w.Throw(net.ErrClosed)
		}
	}
}

// disarm undoes arm after a wait of the owner hub.
func (fd *netFD) disarm(dir int) {
	if io := fd.io[dir]; io != nil {
		if fd.watching[dir] {
			io.SetRef(false)
		} else {
			io.Stop()
		}
	}
}

// ready is the IO watcher's callback: it wakes the direction's waiter, or
// remembers the edge for the next wait when nobody waits.
func (fd *netFD) ready(dir int) {
	fd.disarm(dir)
	w := fd.waiter[dir].Load()
	if w == nil || !w.SwitchNow() {
		fd.edge[dir] = fd.watching[dir]
	}
}

// setDeadline sets the deadline of the given directions and wakes their
// waiters so that they recompute their wait.
func (fd *netFD) setDeadline(t time.Time, dirs ...int) error {
	if fd.isClosing() {
		return net.ErrClosed
	}
	ns := int64(0)
	if !t.IsZero() {
		ns = max(t.UnixNano(), 1)
	}
	for _, d := range dirs {
		fd.deadline[d].Store(ns)
		if w := fd.waiter[d].Load(); w != nil {
			w.Throw(errDeadlineChanged)
		}
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
