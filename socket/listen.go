//go:build unix

package socket

import (
	"context"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Listener is a cooperative net.Listener: Accept parks the calling greenlet
// until a connection arrives. Its methods may be called from any goroutine;
// Close wakes a blocked Accept with net.ErrClosed.
type Listener struct {
	fd     *netFD
	unlink bool // remove the Unix socket file on Close
}

var _ net.Listener = (*Listener)(nil)

// ListenConfig configures Listen. The zero value gives Listen's defaults.
type ListenConfig struct {
	// Backlog is listen(2)'s queue length. Defaults to the system's
	// maximum (SOMAXCONN).
	Backlog int
	// ReusePort sets SO_REUSEPORT, so that several listeners (one per hub)
	// can share one address. Defaults to false.
	ReusePort bool
}

// Listen announces on a local address: network "tcp", "tcp4", "tcp6" or
// "unix" (net.Listen's shape). The listener belongs to the caller's hub.
func Listen(network, address string) (*Listener, error) {
	return ListenConfig{}.Listen(network, address)
}

// Listen is the package-level Listen with the configuration applied.
func (lc ListenConfig) Listen(network, address string) (*Listener, error) {
	eps, err := resolve(context.Background(), network, address, true)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	ep := eps[0]
	if ep.sotype != unix.SOCK_STREAM {
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	fd, err := lc.bindListen(network, ep)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: ep.addr, Err: err}
	}
	return &Listener{fd: fd, unlink: ep.family == unix.AF_UNIX}, nil
}

func (lc ListenConfig) bindListen(network string, ep endpoint) (*netFD, error) {
	s, err := sysSocket(ep.family, ep.sotype, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	fail := func(call string, err error) (*netFD, error) {
		unix.Close(s)
		return nil, os.NewSyscallError(call, err)
	}
	if ep.family != unix.AF_UNIX {
		if err := unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail("setsockopt", err)
		}
	}
	if lc.ReusePort {
		if err := unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fail("setsockopt", err)
		}
	}
	if ep.family == unix.AF_INET6 {
		v6only := 1
		if ep.dual {
			v6only = 0
		}
		unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v6only)
	}
	if err := unix.Bind(s, ep.sa); err != nil {
		return fail("bind", err)
	}
	if ep.sotype == unix.SOCK_STREAM {
		backlog := lc.Backlog
		if backlog <= 0 {
			backlog = unix.SOMAXCONN
		}
		if err := unix.Listen(s, backlog); err != nil {
			return fail("listen", err)
		}
	}
	fd, err := newFD(s, ep.family, ep.sotype, network)
	if err != nil {
		return nil, err
	}
	if sa, err := unix.Getsockname(s); err == nil {
		fd.setLocal(addrOf(ep.sotype, sa))
	}
	return fd, nil
}

// Accept waits for and returns the next connection (a *Conn). It returns
// net.ErrClosed after Close, and the caller's kill or Timeout error when
// interrupted; the net.Conn is nil then, not a nil *Conn.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.AcceptConn()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptConn is Accept returning the concrete type.
func (l *Listener) AcceptConn() (*Conn, error) {
	fd := l.fd
	mode, err := fd.lockOp(dirRead)
	if err != nil {
		return nil, l.opError(err)
	}
	defer fd.unlockOp(dirRead, mode)
	for {
		if fd.deadlinePassed(dirRead) {
			return nil, l.opError(os.ErrDeadlineExceeded)
		}
		nfd, sa, err := sysAccept(fd.sysfd)
		if err == unix.EAGAIN {
			if err := fd.wait(dirRead, mode); err != nil {
				return nil, l.opError(err)
			}
			continue
		}
		if err != nil {
			return nil, l.opError(os.NewSyscallError("accept", err))
		}
		return newConn(nfd, fd.family, fd.sotype, fd.network(), sa)
	}
}

// TryAccept accepts a pending connection without waiting; it returns
// (nil, nil) when none is pending. Servers use it to drain the backlog after
// one readiness event.
func (l *Listener) TryAccept() (*Conn, error) {
	fd := l.fd
	if err := fd.incref(); err != nil {
		return nil, l.opError(err)
	}
	defer fd.decref()
	nfd, sa, err := sysAccept(fd.sysfd)
	if err == unix.EAGAIN {
		return nil, nil
	}
	if err != nil {
		return nil, l.opError(os.NewSyscallError("accept", err))
	}
	return newConn(nfd, fd.family, fd.sotype, fd.network(), sa)
}

// WaitAccept waits until a connection may be pending, without accepting.
func (l *Listener) WaitAccept() error {
	mode, err := l.fd.lockOp(dirRead)
	if err != nil {
		return l.opError(err)
	}
	defer l.fd.unlockOp(dirRead, mode)
	return l.opError(l.fd.wait(dirRead, mode))
}

func (l *Listener) opError(err error) error {
	if err == nil {
		return nil
	}
	return &net.OpError{Op: "accept", Net: l.fd.network(), Addr: l.fd.localAddr(), Err: err}
}

// Close stops listening; a blocked Accept returns net.ErrClosed. A Unix
// socket's file is removed.
func (l *Listener) Close() error {
	if err := l.fd.Close(); err != nil {
		return &net.OpError{Op: "close", Net: l.fd.network(), Addr: l.fd.localAddr(), Err: err}
	}
	if ua, ok := l.fd.localAddr().(*net.UnixAddr); ok && l.unlink && ua.Name != "" && ua.Name[0] != '@' {
		unix.Unlink(ua.Name)
	}
	return nil
}

// Addr returns the listening address.
func (l *Listener) Addr() net.Addr { return l.fd.localAddr() }

// SetDeadline sets a deadline for Accept.
func (l *Listener) SetDeadline(t time.Time) error { return l.fd.setDeadline(t, dirRead) }

// newConn wraps an accepted or connected descriptor.
func newConn(s, family, sotype int, network string, peer unix.Sockaddr) (*Conn, error) {
	fd, err := newFD(s, family, sotype, network)
	if err != nil {
		return nil, err
	}
	if family != unix.AF_UNIX && sotype == unix.SOCK_STREAM {
		unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	// The local address is read when first asked for (localAddr), which
	// saves a system call and its memory per connection.
	if peer == nil {
		peer, _ = unix.Getpeername(s)
	}
	if peer != nil && !fd.peer.set(sotype, peer) {
		fd.raddr = addrOf(sotype, peer)
	}
	return &Conn{fd: fd}, nil
}
