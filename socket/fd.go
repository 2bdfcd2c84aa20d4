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
// fires once per readiness edge, so the retry loops read or write until
// EAGAIN, or until a short read shows the receive queue empty, before they
// wait again; an edge that comes while nobody waits is remembered (edge).
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
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/loop"
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

	// state holds, in one word, the reference count of the operations in
	// progress, the lock of each direction (one operation per direction at a
	// time), the flags of plain goroutines waiting for a lock, and
	// closingBit, so that starting or ending an operation is one atomic
	// operation (internal/poll's fdMutex). A greenlet that finds its
	// direction locked gets a ConcurrentUseError; plain goroutines queue as
	// with package net: on plainMu first, then on lockCh for the greenlet
	// that holds the lock.
	state atomic.Uint64

	// side holds what only deadlines, plain goroutines and other hubs use,
	// made by the first of them (fdSide), so that a descriptor served by
	// its own hub alone, without deadlines, stays small. It is published
	// before the caller loads state or a deadline, and loaded by Close and
	// setDeadline after they store theirs: one of the two sees the other.
	side atomic.Pointer[fdSide]

	// The owner hub waits to read on spare, which is armed exactly while a
	// greenlet of the owner waits on it (the write direction's is in side).
	spare gevent.Waiter

	// laddr is the local address. An accepted socket's is read on the
	// first LocalAddr (or by Close, if nobody asked before), see
	// localAddr; the others' is set before the descriptor is shared.
	laddr atomic.Pointer[net.Addr]
	raddr net.Addr // nil when peer holds it
	peer  peerAddr // an accepted TCP socket's remote address (addr.go)

	// Owner-hub only.
	io [2]*loop.IO
	// watching: the direction's watcher stays started for the descriptor's
	// life (the read direction on an edge-triggered poller), instead of
	// being started for each wait; it then keeps the loop alive only while
	// somebody waits. edge: such a watcher fired while nobody waited, so the
	// next wait returns at once and the caller retries its system call.
	watching [2]bool
	edge     [2]bool

	// Guarded by the read lock: held between lockOp(dirRead) and unlockOp.
	drained bool // the last read returned less than asked: the queue was empty

	netIdx uint8 // the network's name, networks[netIdx]; immutable

	// Owner-hub only: NotifyReadable's callback (notify.go).
	notify func()
}

// fdSide is the rarely used part of a netFD.
type fdSide struct {
	// Plain goroutines queue for a direction's lock on plainMu first, then
	// on lockCh for the greenlet that holds the lock.
	plainMu [2]sync.Mutex
	lockCh  [2]chan struct{} // created by a waiting plain goroutine under plainMu

	// deadline of each direction in Unix nanoseconds, 0 for none. A change
	// is stored before the direction's waiter is loaded, and a waiter is
	// stored before the deadline is loaded, so one of the two sees the other.
	deadline [2]atomic.Int64

	// The waiter of each direction for a goroutine other than the owner
	// hub's, nil when there is none. Stored before state is checked for
	// closingBit, while Close sets that bit before it loads the waiters: a
	// waiter either sees the bit or is woken by Close.
	waiter [2]atomic.Pointer[gevent.Waiter]

	// spare is the owner hub's Waiter for the write direction, as
	// netFD.spare for reads: made by the first wait to write, which is rare.
	spare gevent.Waiter
}

// fdSide returns the side part, making it if needed.
func (fd *netFD) fdSide() *fdSide {
	if s := fd.side.Load(); s != nil {
		return s
	}
	side := new(fdSide)
	hubapi.Disarm(&side.spare) // idle until the first wait
	fd.side.CompareAndSwap(nil, side)
	return fd.side.Load()
}

// spareOf returns the owner hub's Waiter for the direction. The write
// direction's is made when create is set, otherwise nil if none was made.
func (fd *netFD) spareOf(dir int, create bool) *gevent.Waiter {
	if dir == dirRead {
		return &fd.spare
	}
	side := fd.side.Load()
	if side == nil {
		if !create {
			return nil
		}
		side = fd.fdSide()
	}
	return &side.spare
}

// deadlineOf returns the direction's deadline (Unix ns), 0 for none.
func (fd *netFD) deadlineOf(dir int) int64 {
	if s := fd.side.Load(); s != nil {
		return s.deadline[dir].Load()
	}
	return 0
}

// setLocal sets the local address of a descriptor not yet shared.
func (fd *netFD) setLocal(a net.Addr) {
	if a != nil {
		fd.laddr.Store(&a)
	}
}

// localAddr returns the local address, reading it with getsockname(2) the
// first time for an accepted socket. It returns nil if it cannot be read.
func (fd *netFD) localAddr() net.Addr {
	if p := fd.laddr.Load(); p != nil {
		return *p
	}
	if fd.incref() != nil {
		// Close has stored it (resolveLocal) before it marked the
		// descriptor closed.
		if p := fd.laddr.Load(); p != nil {
			return *p
		}
		return nil
	}
	fd.resolveLocal()
	fd.decref()
	if p := fd.laddr.Load(); p != nil {
		return *p
	}
	return nil
}

// resolveLocal reads an accepted socket's local address if nobody has yet.
// The caller holds a reference, or is Close before it marks the descriptor
// closed: the number is still this socket's. The first value stored wins.
func (fd *netFD) resolveLocal() {
	if fd.laddr.Load() != nil {
		return
	}
	if sa, err := unix.Getsockname(fd.sysfd); err == nil {
		if a := addrOf(fd.sotype, sa); a != nil {
			fd.laddr.CompareAndSwap(nil, &a)
		}
	}
}

// networks are the network names a netFD can have (resolve's), kept as an
// index to save a string header per socket.
var networks = [...]string{"tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix", "unixgram"}

// network returns the network's name, as given to Listen or Dial.
func (fd *netFD) network() string { return networks[fd.netIdx] }

// newFD wraps a non-blocking, close-on-exec socket for the caller's hub, or
// for the background hub when the caller has none (see background.go).
func newFD(sysfd, family, sotype int, network string) (*netFD, error) {
	h := ownerHub()
	if h == nil {
		unix.Close(sysfd)
		return nil, errors.New("socket: cannot create a hub for this goroutine")
	}
	idx := slices.Index(networks[:], network)
	if idx < 0 {
		unix.Close(sysfd)
		return nil, net.UnknownNetworkError(network)
	}
	fd := &netFD{hub: h, sysfd: sysfd, family: family, sotype: sotype, netIdx: uint8(idx)}
	hubapi.Disarm(&fd.spare) // idle until the first wait
	return fd, nil
}

// The bits of netFD.state above the reference count.
const (
	closingBit = 1 << 62 // Close was called
	lockBit    = 1 << 60 // lockBit << dir: an operation of direction dir runs
	waitBit    = 1 << 58 // waitBit << dir: a plain goroutine waits for that lock
	refMask    = waitBit - 1
)

// incref registers an operation that needs no lock; it fails once Close was
// called.
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
	if fd.state.Add(^uint64(0))&(closingBit|refMask) == closingBit {
		fd.destroy()
	}
}

// isClosing reports whether Close was called.
func (fd *netFD) isClosing() bool { return fd.state.Load()&closingBit != 0 }

// opMode is what lockOp learnt of its caller.
type opMode uint8

const (
	opOther opMode = iota // a greenlet (or loop callback) of another hub
	opOwner               // a greenlet or the owning goroutine of the owner hub
	opPlain               // a goroutine without a hub
)

// lockOp takes the direction's lock and a reference. It reports how the
// caller waits: on the owner's loop directly, or relayed to it (see wait).
func (fd *netFD) lockOp(dir int) (opMode, error) {
	h, inCallback := hubapi.Here()
	mode := opOther
	var side *fdSide
	switch {
	case h == nil:
		mode = opPlain
		side = fd.fdSide()
		side.plainMu[dir].Lock()
	case h == fd.hub && !inCallback:
		mode = opOwner
	}
	lock := uint64(lockBit) << dir
	for {
		s := fd.state.Load()
		switch {
		case s&closingBit != 0:
			if mode == opPlain {
				side.plainMu[dir].Unlock()
			}
			return mode, net.ErrClosed
		case s&lock == 0:
			if fd.state.CompareAndSwap(s, (s|lock)+1) {
				return mode, nil
			}
		case mode != opPlain:
			op := "read"
			if dir == dirWrite {
				op = "write"
			}
			return mode, &gevent.ConcurrentUseError{Op: op, Object: "socket " + fd.network()}
		default:
			// A greenlet holds the lock: sleep until its unlockOp (or
			// Close) clears the wait flag and sends on lockCh.
			if side.lockCh[dir] == nil {
				side.lockCh[dir] = make(chan struct{}, 1)
			}
			if fd.state.CompareAndSwap(s, s|uint64(waitBit)<<dir) {
				<-side.lockCh[dir]
			}
		}
	}
}

// unlockOp releases what lockOp took; mode is what it returned.
func (fd *netFD) unlockOp(dir int, mode opMode) {
	lock, wait := uint64(lockBit)<<dir, uint64(waitBit)<<dir
	for {
		s := fd.state.Load()
		ns := (s &^ (lock | wait)) - 1
		if !fd.state.CompareAndSwap(s, ns) {
			continue
		}
		if s&wait != 0 {
			fd.side.Load().lockCh[dir] <- struct{}{} // the waiter made side
		}
		if mode == opPlain {
			fd.side.Load().plainMu[dir].Unlock()
		}
		if ns&(closingBit|refMask) == closingBit {
			fd.destroy()
		}
		return
	}
}

// Close marks the descriptor closed, wakes the blocked operations with
// net.ErrClosed and closes it once they have left. A second Close returns
// net.ErrClosed.
func (fd *netFD) Close() error {
	if fd.isClosing() {
		return net.ErrClosed
	}
	fd.resolveLocal() // LocalAddr keeps working after Close
	var s uint64
	waits := uint64(waitBit | waitBit<<1)
	for {
		s = fd.state.Load()
		if s&closingBit != 0 {
			return net.ErrClosed
		}
		if fd.state.CompareAndSwap(s, (s|closingBit)&^waits) {
			break
		}
	}
	side := fd.side.Load()
	for dir := range 2 {
		if s&(waitBit<<dir) != 0 {
			side.lockCh[dir] <- struct{}{} // a plain goroutine queued for the lock
		}
		if w := fd.spareOf(dir, false); w != nil {
			w.Throw(net.ErrClosed)
		}
		if side != nil {
			if w := side.waiter[dir].Load(); w != nil {
				w.Throw(net.ErrClosed)
			}
		}
	}
	if s&refMask == 0 { // no operation in progress: nobody else will destroy it
		fd.destroy()
	}
	return nil
}

// destroy removes the descriptor from the owner's loop and closes it.
func (fd *netFD) destroy() {
	if hubapi.CurrentHubIfAny() == fd.hub {
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
	hubapi.Loop(fd.hub).ForgetFD(fd.sysfd)
	unix.Close(fd.sysfd)
}

// wait blocks until the direction may be ready, its deadline passes
// (os.ErrDeadlineExceeded), the descriptor is closed (net.ErrClosed) or the
// caller is interrupted (its kill or Timeout error). It returns nil also
// when the deadline was changed, so that the caller retries. mode is what
// lockOp reported.
func (fd *netFD) wait(dir int, mode opMode) error {
	if mode != opOwner {
		return fd.waitRelayed(dir)
	}
	if fd.edge[dir] {
		fd.edge[dir] = false
		return nil
	}
	w := fd.spareOf(dir, true)
	hubapi.Rearm(w) // Close, SetDeadline and ready reach it from here on
	timeout, err := fd.waitLimit(dir)
	if err != nil {
		hubapi.Disarm(w)
		return err
	}
	fd.arm(dir, w)
	woken, err := waitOn(w, timeout)
	if !woken {
		fd.disarm(dir) // a wake-up (ready, or arm on an edge) has disarmed already
	}
	return err
}

// waitRelayed is wait for goroutines other than the owner hub's: the owner
// arms its watcher in a callback, and the watcher wakes the goroutine's own
// Waiter.
func (fd *netFD) waitRelayed(dir int) error {
	w := gevent.NewWaiter()
	hubapi.SetRef(w, true)
	side := fd.fdSide()
	side.waiter[dir].Store(w)
	defer side.waiter[dir].CompareAndSwap(w, nil)
	timeout, err := fd.waitLimit(dir)
	if err != nil {
		return err
	}
	if err := fd.hub.RunCallbackThreadsafe(func() { fd.arm(dir, w) }); err != nil {
		return net.ErrClosed
	}
	_, err = waitOn(w, timeout)
	return err
}

// waitLimit returns how long a wait that has just made its Waiter visible
// may last (-1: no limit), or the error that ends it at once.
func (fd *netFD) waitLimit(dir int) (time.Duration, error) {
	if fd.isClosing() {
		return 0, net.ErrClosed
	}
	deadline := fd.deadlineOf(dir)
	if deadline == 0 {
		return -1, nil
	}
	timeout := time.Until(time.Unix(0, deadline))
	if timeout <= 0 {
		return 0, os.ErrDeadlineExceeded
	}
	return timeout, nil
}

// waitOn waits on w for at most timeout (-1: no limit) and translates the
// outcome for wait. woken reports a Switch: readiness, not an error.
func waitOn(w *gevent.Waiter, timeout time.Duration) (woken bool, err error) {
	if timeout < 0 {
		err = w.Wait()
		woken = err == nil
	} else {
		woken, err = w.WaitTimeout(timeout)
	}
	switch {
	case woken:
		return true, nil
	case err == nil:
		return false, os.ErrDeadlineExceeded
	case errors.Is(err, errDeadlineChanged):
		return false, nil
	}
	return false, err
}

// arm makes the direction's watcher wake w; it runs on the owner hub. The
// read watcher of an edge-triggered poller is started once and kept: arming
// it only makes it keep the loop alive, or wakes w at once when an edge came
// while nobody waited. Other watchers are started here and stopped when they
// fire or the wait ends.
func (fd *netFD) arm(dir int, w *gevent.Waiter) {
	if fd.isClosing() || w.Ready() {
		return
	}
	io := fd.io[dir]
	if io == nil {
		ev := loop.Read
		if dir == dirWrite {
			ev = loop.Write
		}
		var err error
		l := hubapi.Loop(fd.hub)
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
	if w := fd.spareOf(dir, false); w != nil && hubapi.SwitchNow(w) {
		return // a greenlet of this hub was waiting, and has run
	}
	var w *gevent.Waiter
	if side := fd.side.Load(); side != nil {
		w = side.waiter[dir].Load()
	}
	if w == nil || !w.Switch() {
		fd.edge[dir] = fd.watching[dir]
		if dir == dirRead && fd.notify != nil {
			fd.fireNotify()
		}
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
	if ns == 0 && fd.side.Load() == nil {
		return nil // no deadline was ever set
	}
	side := fd.fdSide()
	for _, d := range dirs {
		side.deadline[d].Store(ns)
		fd.spareOf(d, true).Throw(errDeadlineChanged)
		if w := side.waiter[d].Load(); w != nil {
			w.Throw(errDeadlineChanged)
		}
	}
	return nil
}

// deadlinePassed reports whether the direction's deadline is set and past.
func (fd *netFD) deadlinePassed(dir int) bool {
	d := fd.deadlineOf(dir)
	return d != 0 && time.Now().UnixNano() >= d
}
