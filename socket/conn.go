//go:build unix

package socket

import (
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/geventgo/gevent/internal/eintr"
	"golang.org/x/sys/unix"
)

// Conn is a cooperative network connection: a net.Conn whose blocking calls
// park the calling greenlet on its hub's event loop (gevent's socket). A
// Kill or Timeout interrupts a blocked call; the call then returns the kill
// or Timeout error wrapped in a *net.OpError (errors.Is and errors.As see
// through it).
//
// All methods may be called from any goroutine: greenlets of the owning hub
// park cooperatively, greenlets of other hubs park on their own hub, and
// plain goroutines block. One read and one write may be in progress at a
// time: a second greenlet that reads (or writes) while another one waits gets
// a *gevent.ConcurrentUseError, while plain goroutines queue as they do on a
// net.Conn. Waits of other goroutines are served by the owning hub's loop,
// which must be running.
type Conn struct {
	fd *netFD
}

var (
	_ net.Conn                        = (*Conn)(nil)
	_ syscall.Conn                    = (*Conn)(nil)
	_ interface{ CloseWrite() error } = (*Conn)(nil)
)

func (c *Conn) opError(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	if errno, ok := err.(unix.Errno); ok {
		err = os.NewSyscallError(op, errno)
	}
	return &net.OpError{Op: op, Net: c.fd.network(), Source: c.fd.localAddr(), Addr: c.fd.remoteAddr(), Err: err}
}

// Read reads up to len(b) bytes. It blocks until data arrives, the peer
// closes (io.EOF), the read deadline passes (an error wrapping
// os.ErrDeadlineExceeded), the connection is closed (net.ErrClosed) or the
// caller is interrupted.
func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.fd.read(b)
	if err != nil {
		err = c.opError("read", err)
	}
	return n, err
}

func (fd *netFD) read(b []byte) (int, error) {
	mode, err := fd.lockOp(dirRead)
	if err != nil {
		return 0, err
	}
	defer fd.unlockOp(dirRead, mode)
	if len(b) == 0 && fd.sotype == unix.SOCK_STREAM {
		return 0, nil
	}
	stream := fd.sotype == unix.SOCK_STREAM
	if stream && fd.drained {
		// The last read was short, so the receive queue was empty: wait for
		// the next readiness edge instead of paying for a read that would
		// return EAGAIN. The loop remembers an edge that came meanwhile.
		fd.drained = false
		if err := fd.wait(dirRead, mode); err != nil {
			return 0, err
		}
	}
	for {
		if fd.deadlinePassed(dirRead) {
			return 0, os.ErrDeadlineExceeded
		}
		n, err := eintr.Retry(func() (int, error) { return rawRead(fd.sysfd, b) })
		switch {
		case err == unix.EAGAIN:
			if err := fd.wait(dirRead, mode); err != nil {
				return 0, err
			}
			continue
		case err != nil:
			return 0, err
		case n == 0 && stream:
			return 0, io.EOF
		}
		fd.drained = stream && n < len(b)
		return n, nil
	}
}

// Write writes all of b, waiting as often as needed, or fails: it returns
// the number of bytes written and an error if fewer than len(b) were.
func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.fd.write(b)
	if err != nil {
		err = c.opError("write", err)
	}
	return n, err
}

func (fd *netFD) write(b []byte) (int, error) {
	mode, err := fd.lockOp(dirWrite)
	if err != nil {
		return 0, err
	}
	defer fd.unlockOp(dirWrite, mode)
	written := 0
	for {
		if fd.deadlinePassed(dirWrite) {
			return written, os.ErrDeadlineExceeded
		}
		n, err := eintr.Retry(func() (int, error) { return rawWrite(fd.sysfd, b[written:]) })
		if n > 0 {
			written += n
		}
		switch {
		case err == unix.EAGAIN:
			if err := fd.wait(dirWrite, mode); err != nil {
				return written, err
			}
			continue
		case err != nil:
			return written, err
		case written == len(b):
			return written, nil
		case n == 0:
			return written, io.ErrUnexpectedEOF
		}
	}
}

// Close closes the connection. Blocked Reads and Writes return
// net.ErrClosed. Closing twice returns an error wrapping net.ErrClosed.
func (c *Conn) Close() error { return c.opError("close", c.fd.Close()) }

// CloseRead shuts down the reading side.
func (c *Conn) CloseRead() error { return c.shutdown(unix.SHUT_RD, "close") }

// CloseWrite shuts down the writing side; the peer reads io.EOF.
func (c *Conn) CloseWrite() error { return c.shutdown(unix.SHUT_WR, "close") }

func (c *Conn) shutdown(how int, op string) error {
	if err := c.fd.incref(); err != nil {
		return c.opError(op, err)
	}
	defer c.fd.decref()
	return c.opError(op, unix.Shutdown(c.fd.sysfd, how))
}

// LocalAddr returns the local address.
func (c *Conn) LocalAddr() net.Addr { return c.fd.localAddr() }

// RemoteAddr returns the remote address.
func (c *Conn) RemoteAddr() net.Addr { return c.fd.remoteAddr() }

// SetDeadline sets the read and write deadlines. A deadline in the past makes
// blocked and future calls fail with os.ErrDeadlineExceeded; the zero time
// removes it.
func (c *Conn) SetDeadline(t time.Time) error {
	return c.opError("set", c.fd.setDeadline(t, dirRead, dirWrite))
}

// SetReadDeadline sets the read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	return c.opError("set", c.fd.setDeadline(t, dirRead))
}

// SetWriteDeadline sets the write deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return c.opError("set", c.fd.setDeadline(t, dirWrite))
}

// SetNoDelay sets TCP_NODELAY (on by default, as in package net).
func (c *Conn) SetNoDelay(noDelay bool) error {
	return c.setsockopt(unix.IPPROTO_TCP, unix.TCP_NODELAY, noDelay)
}

// SetKeepAlive sets SO_KEEPALIVE.
func (c *Conn) SetKeepAlive(on bool) error {
	return c.setsockopt(unix.SOL_SOCKET, unix.SO_KEEPALIVE, on)
}

func (c *Conn) setsockopt(level, opt int, on bool) error {
	if err := c.fd.incref(); err != nil {
		return c.opError("set", err)
	}
	defer c.fd.decref()
	v := 0
	if on {
		v = 1
	}
	return c.opError("set", unix.SetsockoptInt(c.fd.sysfd, level, opt, v))
}

// SyscallConn returns a raw connection whose Read and Write wait
// cooperatively.
func (c *Conn) SyscallConn() (syscall.RawConn, error) { return &rawConn{c.fd}, nil }

// rawConn implements syscall.RawConn on a netFD.
type rawConn struct{ fd *netFD }

func (rc *rawConn) Control(f func(fd uintptr)) error {
	if err := rc.fd.incref(); err != nil {
		return err
	}
	defer rc.fd.decref()
	f(uintptr(rc.fd.sysfd))
	return nil
}

func (rc *rawConn) Read(f func(fd uintptr) bool) error  { return rc.rw(dirRead, f) }
func (rc *rawConn) Write(f func(fd uintptr) bool) error { return rc.rw(dirWrite, f) }

func (rc *rawConn) rw(dir int, f func(fd uintptr) bool) error {
	mode, err := rc.fd.lockOp(dir)
	if err != nil {
		return err
	}
	defer rc.fd.unlockOp(dir, mode)
	for !f(uintptr(rc.fd.sysfd)) {
		if err := rc.fd.wait(dir, mode); err != nil {
			return err
		}
	}
	return nil
}
