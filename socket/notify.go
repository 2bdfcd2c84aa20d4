//go:build unix

package socket

import (
	"errors"
	"io"
	"net"
	"unsafe"

	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/loop"
	"golang.org/x/sys/unix"
)

// errNotOwner is returned by the hooks below when called from a goroutine
// other than the connection's hub.
var errNotOwner = errors.New("socket: NotifyReadable must be called on the connection's hub")

// NotifyReadable arranges for fn to be called once, from a loop callback
// of the connection's hub, when the connection has something to read: data,
// the peer's close, or an error. No greenlet waits meanwhile, so a server can
// keep an idle connection as nothing but its registration in the loop and
// spawn a greenlet when the next request arrives. If something is readable
// already, fn is called from the next loop iteration. The notification holds
// no reference on the loop: it does not keep the hub alive by itself.
//
// A later NotifyReadable replaces fn; StopNotify cancels it; after Close it
// is never called. A read that waits on the connection takes the readiness
// first: fn is called only for readiness that no reader consumed. It must be
// called from a greenlet or loop callback of the connection's hub.
func (c *Conn) NotifyReadable(fn func()) error {
	fd := c.fd
	if h, _ := hubapi.Here(); h != fd.hub {
		return errNotOwner
	}
	if fd.isClosing() {
		return net.ErrClosed
	}
	if fd.sotype != unix.SOCK_STREAM {
		return errors.New("socket: NotifyReadable needs a stream socket")
	}
	fd.notify = fn
	// Something may be queued already: an edge that nobody consumed, or the
	// remainder after a read that filled its buffer (no short read since, so
	// the next edge may never come). An edge whose data a reader has taken
	// since is forgotten: the next arrival makes a new one.
	if fd.edge[dirRead] || !fd.drained {
		if fd.peek() != unix.EAGAIN {
			fd.hub.RunCallback(fd.fireNotify)
			return nil
		}
		fd.edge[dirRead] = false
		fd.drained = true
	}
	io, err := fd.readWatcher()
	if err != nil {
		fd.notify = nil
		return err
	}
	if !io.Active() {
		// On an edge-triggered poller the watcher stays started and holds no
		// reference while nobody waits; on poll(2) it is started for this
		// notification (and keeps a reference, as for a wait).
		if fd.watching[dirRead] {
			io.SetRef(false)
		}
		if err := io.Start(); err != nil {
			fd.notify = nil
			return net.ErrClosed
		}
	}
	return nil
}

// StopNotify cancels NotifyReadable's pending call, if any. It must be
// called from a greenlet or loop callback of the connection's hub.
func (c *Conn) StopNotify() {
	fd := c.fd
	if h, _ := hubapi.Here(); h != fd.hub || fd.notify == nil {
		return
	}
	fd.notify = nil
	fd.stopNotifyWatcher()
}

// stopNotifyWatcher stops the poll(2) watcher that a notification started,
// unless a reader is using it.
func (fd *netFD) stopNotifyWatcher() {
	if io := fd.io[dirRead]; io != nil && !fd.watching[dirRead] && fd.state.Load()&(lockBit<<dirRead) == 0 {
		io.Stop()
	}
}

// PeerClosed reports, without waiting or consuming anything, whether reading
// the connection now would return io.EOF or an error (the peer closed or
// reset it) rather than data or nothing yet; err is that error. A server uses
// it to tell a client that went away from one that sent its next request.
func (c *Conn) PeerClosed() (closed bool, err error) {
	if err := c.fd.incref(); err != nil {
		return true, err
	}
	defer c.fd.decref()
	switch e := c.fd.peek(); e {
	case nil, unix.EAGAIN:
		return false, nil
	case io.EOF:
		return true, io.EOF
	default:
		return true, c.opError("read", e)
	}
}

// peek looks at the receive queue without consuming it: nil when a byte is
// queued, io.EOF when the peer has closed, unix.EAGAIN when nothing is
// queued, or the socket's error.
func (fd *netFD) peek() error {
	var b [1]byte
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd.sysfd), uintptr(unsafe.Pointer(&b[0])), 1,
			unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
		switch {
		case e == unix.EINTR:
			continue
		case e != 0:
			return e
		case n == 0:
			return io.EOF
		}
		return nil
	}
}

// readWatcher returns the read watcher, creating it as arm does.
func (fd *netFD) readWatcher() (*loop.IO, error) {
	if io := fd.io[dirRead]; io != nil {
		return io, nil
	}
	l := hubapi.Loop(fd.hub)
	io, err := l.NewIO(fd.sysfd, loop.Read, func(loop.Interest) { fd.ready(dirRead) })
	if err != nil {
		return nil, err
	}
	fd.io[dirRead] = io
	fd.watching[dirRead] = l.EdgeTriggered()
	return io, nil
}

// fireNotify calls the pending notification; ready calls it for readiness
// that no reader took. The edge stays remembered, so that the reader fn
// starts does not wait for another one.
func (fd *netFD) fireNotify() {
	fn := fd.notify
	if fn == nil || fd.isClosing() {
		return
	}
	fd.notify = nil
	fd.stopNotifyWatcher()
	fd.edge[dirRead] = fd.watching[dirRead]
	fn()
}
