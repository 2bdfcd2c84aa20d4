//go:build unix

package socket

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/loop"
	"golang.org/x/sys/unix"
)

// Socketpair returns two connected Unix stream sockets (socket.socketpair).
func Socketpair() (*Conn, *Conn, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	var conns [2]*Conn
	for i, s := range fds {
		unix.CloseOnExec(s)
		if err := unix.SetNonblock(s, true); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			return nil, nil, os.NewSyscallError("setnonblock", err)
		}
		fd, err := newFD(s, unix.AF_UNIX, unix.SOCK_STREAM, "unix")
		if err != nil {
			if i == 0 {
				unix.Close(fds[1])
			} else {
				conns[0].Close()
			}
			return nil, nil, err
		}
		fd.setLocal(&net.UnixAddr{Net: "unix"})
		fd.raddr = &net.UnixAddr{Net: "unix"}
		conns[i] = &Conn{fd: fd}
	}
	return conns[0], conns[1], nil
}

// FromFD wraps a connected stream socket descriptor, which the Conn then
// owns: it is made non-blocking and closed by Close.
func FromFD(s int) (*Conn, error) {
	if s < 0 {
		return nil, errors.New("socket: negative descriptor")
	}
	family := getFamily(s)
	sotype, err := unix.GetsockoptInt(s, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return nil, os.NewSyscallError("getsockopt", err)
	}
	if err := unix.SetNonblock(s, true); err != nil {
		return nil, os.NewSyscallError("setnonblock", err)
	}
	unix.CloseOnExec(s)
	network := "tcp"
	switch {
	case family == unix.AF_UNIX && sotype == unix.SOCK_DGRAM:
		network = "unixgram"
	case family == unix.AF_UNIX:
		network = "unix"
	case sotype == unix.SOCK_DGRAM:
		network = "udp"
	}
	return newConn(s, family, sotype, network, nil)
}

func getFamily(s int) int {
	sa, err := unix.Getsockname(s)
	if err != nil {
		return unix.AF_UNSPEC
	}
	switch sa.(type) {
	case *unix.SockaddrInet4:
		return unix.AF_INET
	case *unix.SockaddrInet6:
		return unix.AF_INET6
	}
	return unix.AF_UNIX
}

// FromConn moves a connection of package net (anything with SyscallConn)
// onto the caller's hub: the descriptor is duplicated into a Conn and c is
// closed.
func FromConn(c net.Conn) (*Conn, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, errors.New("socket: connection has no SyscallConn")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	dup := -1
	var derr error
	if err := raw.Control(func(fd uintptr) { dup, derr = unix.Dup(int(fd)) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, os.NewSyscallError("dup", derr)
	}
	conn, err := FromFD(dup)
	if err != nil {
		unix.Close(dup)
		return nil, err
	}
	c.Close()
	return conn, nil
}

// ErrWaitTimeout is returned by WaitRead and WaitWrite when the timeout
// passes; it matches os.ErrDeadlineExceeded.
var ErrWaitTimeout = os.ErrDeadlineExceeded

// WaitRead waits until fd is readable, at most timeout when timeout >= 0
// (gevent.socket.wait_read). It works on any descriptor the kernel poller
// accepts and parks only the calling greenlet.
func WaitRead(fd int, timeout time.Duration) error { return waitFD(fd, loop.Read, timeout) }

// WaitWrite waits until fd is writable (gevent.socket.wait_write).
func WaitWrite(fd int, timeout time.Duration) error { return waitFD(fd, loop.Write, timeout) }

func waitFD(fd int, ev loop.Interest, timeout time.Duration) error {
	h := hubapi.CurrentHubIfAny()
	if h == nil {
		return waitFDBackground(fd, ev, timeout)
	}
	if hubapi.InLoopCallback() {
		return gevent.ErrBlockingSwitchOut
	}
	w := gevent.NewWaiter()
	io, err := hubapi.Loop(h).NewIO(fd, ev, func(loop.Interest) { w.Switch() })
	if err != nil {
		return err
	}
	defer io.Close()
	if err := io.Start(); err != nil {
		return err
	}
	if timeout < 0 {
		return w.Wait()
	}
	ok, err := w.WaitTimeout(timeout)
	if err == nil && !ok {
		return ErrWaitTimeout
	}
	return err
}
