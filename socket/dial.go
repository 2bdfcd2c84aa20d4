//go:build unix

package socket

import (
	"context"
	"errors"
	"net"
	"os"
	"time"

	"github.com/geventgo/gevent"
	"golang.org/x/sys/unix"
)

// Dialer connects cooperatively; its fields mirror net.Dialer's. The zero
// value is ready to use.
type Dialer struct {
	// Timeout bounds the whole dial, look-up included. Defaults to none.
	Timeout time.Duration
	// Deadline is an absolute limit, combined with Timeout. Defaults to
	// none.
	Deadline time.Time
	// LocalAddr is the local address to bind to (a *net.TCPAddr,
	// *net.UDPAddr or *net.UnixAddr). Defaults to one the system picks.
	LocalAddr net.Addr
}

// Dial connects to address on network ("tcp", "tcp4", "tcp6", "udp",
// "udp4", "udp6", "unix", "unixgram"), like net.Dial. Names are looked up
// with DefaultResolver; each address is tried in order.
func Dial(network, address string) (*Conn, error) {
	return (&Dialer{}).DialContext(context.Background(), network, address)
}

// DialTimeout is Dial with a timeout.
func DialTimeout(network, address string, timeout time.Duration) (*Conn, error) {
	return (&Dialer{Timeout: timeout}).DialContext(context.Background(), network, address)
}

// Dial connects using the dialer's settings.
func (d *Dialer) Dial(network, address string) (*Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects; cancelling ctx interrupts the dial. It has the shape
// that drivers accept as a dial function (http.Transport.DialContext and
// others) when wrapped: func(ctx, n, a) (net.Conn, error).
func (d *Dialer) DialContext(ctx context.Context, network, address string) (*Conn, error) {
	deadline := d.Deadline
	if d.Timeout > 0 {
		if t := time.Now().Add(d.Timeout); deadline.IsZero() || t.Before(deadline) {
			deadline = t
		}
	}
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	eps, err := resolve(ctx, network, address, false)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var first error
	for _, ep := range eps {
		c, err := d.dialOne(ctx, network, ep, deadline)
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil || isInterrupt(err) {
			break
		}
	}
	return nil, first
}

// isInterrupt reports whether err is a kill or Timeout of the caller, which
// ends the dial instead of trying the next address.
func isInterrupt(err error) bool {
	return errors.Is(err, gevent.ErrGreenletExit) || errors.Is(err, gevent.ErrTimeout) ||
		errors.Is(err, gevent.ErrHubDestroyed)
}

// NetDialContext returns DialContext with net.Conn in its signature, for
// drivers that take func(ctx, network, address) (net.Conn, error).
// On failure the net.Conn is nil, not a nil *Conn.
func (d *Dialer) NetDialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (d *Dialer) dialOne(ctx context.Context, network string, ep endpoint, deadline time.Time) (*Conn, error) {
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Source: d.LocalAddr, Addr: ep.addr, Err: err}
	}
	s, err := sysSocket(ep.family, ep.sotype, 0)
	if err != nil {
		return nil, opErr(os.NewSyscallError("socket", err))
	}
	if d.LocalAddr != nil {
		if err := bindLocal(s, ep, d.LocalAddr); err != nil {
			unix.Close(s)
			return nil, opErr(err)
		}
	}
	fd, err := newFD(s, ep.family, ep.sotype, network)
	if err != nil {
		return nil, opErr(err)
	}
	c := &Conn{fd: fd}
	if err := c.connect(ctx, ep.sa, deadline); err != nil {
		c.fd.Close()
		return nil, opErr(err)
	}
	if ep.family != unix.AF_UNIX && ep.sotype == unix.SOCK_STREAM {
		unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if sa, err := unix.Getsockname(s); err == nil {
		fd.setLocal(addrOf(ep.sotype, sa))
	}
	fd.raddr = ep.addr
	if sa, err := unix.Getpeername(s); err == nil {
		fd.raddr = addrOf(ep.sotype, sa)
	}
	return c, nil
}

func bindLocal(s int, ep endpoint, local net.Addr) error {
	var sa unix.Sockaddr
	var err error
	switch a := local.(type) {
	case *net.TCPAddr:
		sa, err = sockaddrOf(ep.family, a.IP, a.Port, a.Zone)
	case *net.UDPAddr:
		sa, err = sockaddrOf(ep.family, a.IP, a.Port, a.Zone)
	case *net.UnixAddr:
		sa = &unix.SockaddrUnix{Name: a.Name}
	default:
		err = errors.New("socket: unsupported local address type")
	}
	if err != nil {
		return err
	}
	return os.NewSyscallError("bind", unix.Bind(s, sa))
}

// connect runs a non-blocking connect(2) and waits for it cooperatively.
func (c *Conn) connect(ctx context.Context, sa unix.Sockaddr, deadline time.Time) error {
	fd := c.fd
	err := unix.Connect(fd.sysfd, sa)
	switch err {
	case nil, unix.EISCONN:
		return nil
	case unix.EINPROGRESS, unix.EALREADY, unix.EINTR, unix.EAGAIN:
	default:
		return os.NewSyscallError("connect", err)
	}
	mode, err := fd.lockOp(dirWrite)
	if err != nil {
		return err
	}
	defer fd.unlockOp(dirWrite, mode)
	fd.setDeadline(deadline, dirWrite)
	defer fd.setDeadline(time.Time{}, dirWrite)
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { fd.setDeadline(time.Unix(1, 0), dirWrite) })
		defer stop()
	}
	for {
		if err := fd.wait(dirWrite, mode); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil && deadline.IsZero() {
				return ctx.Err()
			}
			return err
		}
		nerr, err := unix.GetsockoptInt(fd.sysfd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return os.NewSyscallError("getsockopt", err)
		}
		switch e := unix.Errno(nerr); e {
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			continue
		case 0, unix.EISCONN:
			if _, err := unix.Getpeername(fd.sysfd); err == nil {
				return nil
			}
			continue
		default:
			return os.NewSyscallError("connect", e)
		}
	}
}
