//go:build unix

package socket

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"

	"github.com/geventgo/gevent"
)

// HostResolver is what the package-level look-up functions and Dial use to
// turn a host name into addresses (gevent's hub.resolver). Two
// implementations come with this package: *Resolver runs Go's resolver
// through gevent.Blocking (gevent's thread resolver, the default), and
// *LoopResolver speaks DNS on the event loop itself (gevent's ares and
// dnspython resolvers). Both may be called from any goroutine and park only
// the calling greenlet.
type HostResolver interface {
	// LookupNetIP returns the IPv4 and IPv6 addresses of host.
	LookupNetIP(ctx context.Context, host string) ([]netip.Addr, error)
	// LookupHost returns the addresses of host as strings.
	LookupHost(ctx context.Context, host string) ([]string, error)
}

var (
	_ HostResolver = (*Resolver)(nil)
	_ HostResolver = (*LoopResolver)(nil)
)

// Resolver looks names up with Go's resolver (net.DefaultResolver unless Go
// is set) through gevent.Blocking: the look-up runs on a worker goroutine
// and only the calling greenlet waits, so look-ups of several greenlets run
// at the same time (gevent's thread resolver). The zero value is ready to
// use; a Resolver must not be modified while in use.
type Resolver struct {
	// Go is the resolver to run. Defaults to net.DefaultResolver.
	Go *net.Resolver
}

// DefaultResolver is used by the package-level look-up functions
// (LookupHost, GetHostByName, GetAddrInfo) and by Dial, Listen and
// ListenPacket for host names. It defaults to a *Resolver (Go's resolver on
// a worker goroutine); set it to a *LoopResolver to resolve on the event
// loop instead:
//
//	socket.DefaultResolver = &socket.LoopResolver{}
//
// Set it before starting any greenlet or goroutine that looks names up; the
// variable itself is not guarded.
var DefaultResolver HostResolver = &Resolver{}

func (r *Resolver) goResolver() *net.Resolver {
	if r == nil || r.Go == nil {
		return net.DefaultResolver
	}
	return r.Go
}

// LookupNetIP returns the addresses of host (net.Resolver.LookupNetIP with
// network "ip"), parking only the calling greenlet.
func (r *Resolver) LookupNetIP(ctx context.Context, host string) ([]netip.Addr, error) {
	return gevent.Blocking(func() ([]netip.Addr, error) {
		return r.goResolver().LookupNetIP(ctx, "ip", host)
	})
}

// LookupHost returns the addresses of host as strings (IPv4 and IPv6).
func (r *Resolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	return gevent.Blocking(func() ([]string, error) {
		return r.goResolver().LookupHost(ctx, host)
	})
}

func lookupNetIP(ctx context.Context, host string) ([]netip.Addr, error) {
	return DefaultResolver.LookupNetIP(ctx, host)
}

// LookupHost returns the addresses of host with DefaultResolver (Go's
// net.LookupHost, cooperatively). It parks only the calling greenlet.
func LookupHost(host string) ([]string, error) {
	return DefaultResolver.LookupHost(context.Background(), host)
}

// GetHostByName returns the first IPv4 address of host as a string
// (socket.gethostbyname), looked up with DefaultResolver. It parks only the
// calling greenlet.
func GetHostByName(host string) (string, error) {
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
		return ip.String(), nil
	}
	addrs, err := DefaultResolver.LookupNetIP(context.Background(), host)
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if a.Is4() || a.Is4In6() {
			return a.Unmap().String(), nil
		}
	}
	return "", &net.DNSError{Err: "no IPv4 address", Name: host, IsNotFound: true}
}

// AddrInfo is one result of GetAddrInfo.
type AddrInfo struct {
	Network string // "tcp4", "tcp6", "udp4" or "udp6"
	Addr    netip.AddrPort
}

// ErrBadNetwork is returned by GetAddrInfo for a network other than tcp,
// tcp4, tcp6, udp, udp4 and udp6.
var ErrBadNetwork = errors.New("socket: unsupported network")

// GetAddrInfo resolves host and port for network like getaddrinfo(3)
// (socket.getaddrinfo): IPv4 results first, then IPv6. port may be a number
// or a service name. Host names are looked up with DefaultResolver, which
// parks only the calling greenlet.
func GetAddrInfo(network, host, port string) ([]AddrInfo, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return nil, ErrBadNetwork
	}
	p, err := lookupPort(network, port)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else if ips, err = DefaultResolver.LookupNetIP(context.Background(), host); err != nil {
		return nil, err
	}
	var v4, v6 []AddrInfo
	for _, ip := range ips {
		ip = ip.Unmap()
		ap := netip.AddrPortFrom(ip, uint16(p))
		if ip.Is4() && network[len(network)-1] != '6' {
			v4 = append(v4, AddrInfo{Network: network[:3] + "4", Addr: ap})
		} else if ip.Is6() && network[len(network)-1] != '4' {
			v6 = append(v6, AddrInfo{Network: network[:3] + "6", Addr: ap})
		}
	}
	if len(v4)+len(v6) == 0 {
		return nil, &net.DNSError{Err: "no suitable address", Name: host + ":" + strconv.Itoa(p), IsNotFound: true}
	}
	return append(v4, v6...), nil
}
