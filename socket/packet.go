//go:build unix

package socket

import (
	"context"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// PacketConn is a cooperative datagram socket (UDP or unixgram); it
// implements net.PacketConn. Its concurrency rules are Conn's.
type PacketConn struct {
	fd *netFD
}

var _ net.PacketConn = (*PacketConn)(nil)

// ListenPacket binds a datagram socket: network "udp", "udp4", "udp6" or
// "unixgram" (net.ListenPacket's shape).
func ListenPacket(network, address string) (*PacketConn, error) {
	return ListenConfig{}.ListenPacket(network, address)
}

// ListenPacket is the package-level ListenPacket with the configuration
// applied (ReusePort).
func (lc ListenConfig) ListenPacket(network, address string) (*PacketConn, error) {
	eps, err := resolve(context.Background(), network, address, true)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	ep := eps[0]
	if ep.sotype != unix.SOCK_DGRAM {
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	fd, err := lc.bindListen(network, ep)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: ep.addr, Err: err}
	}
	return &PacketConn{fd: fd}, nil
}

func (c *PacketConn) opError(op string, addr net.Addr, err error) error {
	if err == nil {
		return nil
	}
	if errno, ok := err.(unix.Errno); ok {
		err = os.NewSyscallError(op, errno)
	}
	return &net.OpError{Op: op, Net: c.fd.network(), Source: c.fd.localAddr(), Addr: addr, Err: err}
}

// ReadFrom reads one datagram into b and returns its size and sender. A
// datagram longer than b is truncated.
func (c *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	fd := c.fd
	mode, err := fd.lockOp(dirRead)
	if err != nil {
		return 0, nil, c.opError("read", nil, err)
	}
	defer fd.unlockOp(dirRead, mode)
	for {
		if fd.deadlinePassed(dirRead) {
			return 0, nil, c.opError("read", nil, os.ErrDeadlineExceeded)
		}
		n, sa, err := unix.Recvfrom(fd.sysfd, b, 0)
		switch err {
		case nil:
			return n, addrOf(fd.sotype, sa), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if err := fd.wait(dirRead, mode); err != nil {
				return 0, nil, c.opError("read", nil, err)
			}
			continue
		}
		return 0, nil, c.opError("read", nil, err)
	}
}

// WriteTo sends b as one datagram to addr.
func (c *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	fd := c.fd
	sa, err := c.sockaddr(addr)
	if err != nil {
		return 0, c.opError("write", addr, err)
	}
	mode, err := fd.lockOp(dirWrite)
	if err != nil {
		return 0, c.opError("write", addr, err)
	}
	defer fd.unlockOp(dirWrite, mode)
	for {
		if fd.deadlinePassed(dirWrite) {
			return 0, c.opError("write", addr, os.ErrDeadlineExceeded)
		}
		err := unix.Sendto(fd.sysfd, b, 0, sa)
		switch err {
		case nil:
			return len(b), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if err := fd.wait(dirWrite, mode); err != nil {
				return 0, c.opError("write", addr, err)
			}
			continue
		}
		return 0, c.opError("write", addr, err)
	}
}

func (c *PacketConn) sockaddr(addr net.Addr) (unix.Sockaddr, error) {
	switch a := addr.(type) {
	case *net.UDPAddr:
		fam := c.fd.family
		if fam == unix.AF_INET6 && a.IP.To4() != nil && !c.dualStack() {
			return nil, &net.AddrError{Err: "IPv4 address on an IPv6-only socket", Addr: a.String()}
		}
		ip := a.IP
		if fam == unix.AF_INET6 && ip.To4() != nil {
			ip = ip.To16()
		}
		return sockaddrOf(fam, ip, a.Port, a.Zone)
	case *net.UnixAddr:
		return &unix.SockaddrUnix{Name: a.Name}, nil
	case nil:
		return nil, errMissingAddress
	}
	return nil, &net.AddrError{Err: "unsupported address type", Addr: addr.String()}
}

func (c *PacketConn) dualStack() bool {
	v, err := unix.GetsockoptInt(c.fd.sysfd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY)
	return err == nil && v == 0
}

// Close closes the socket; blocked calls return net.ErrClosed.
func (c *PacketConn) Close() error { return c.opError("close", nil, c.fd.Close()) }

// LocalAddr returns the bound address.
func (c *PacketConn) LocalAddr() net.Addr { return c.fd.localAddr() }

// SetDeadline sets the read and write deadlines.
func (c *PacketConn) SetDeadline(t time.Time) error {
	return c.fd.setDeadline(t, dirRead, dirWrite)
}

// SetReadDeadline sets the read deadline.
func (c *PacketConn) SetReadDeadline(t time.Time) error { return c.fd.setDeadline(t, dirRead) }

// SetWriteDeadline sets the write deadline.
func (c *PacketConn) SetWriteDeadline(t time.Time) error { return c.fd.setDeadline(t, dirWrite) }
