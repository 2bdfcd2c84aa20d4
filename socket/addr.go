//go:build unix

package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// sockaddrOf converts a resolved address to a unix.Sockaddr of family.
func sockaddrOf(family int, ip net.IP, port int, zone string) (unix.Sockaddr, error) {
	switch family {
	case unix.AF_INET:
		ip4 := ip.To4()
		if len(ip) == 0 {
			ip4 = net.IPv4zero.To4()
		}
		if ip4 == nil {
			return nil, fmt.Errorf("socket: address %v is not IPv4", ip)
		}
		sa := &unix.SockaddrInet4{Port: port}
		copy(sa.Addr[:], ip4)
		return sa, nil
	case unix.AF_INET6:
		if len(ip) == 0 || ip.Equal(net.IPv4zero) {
			ip = net.IPv6unspecified
		}
		ip16 := ip.To16()
		if ip16 == nil {
			return nil, fmt.Errorf("socket: bad IP address %v", ip)
		}
		sa := &unix.SockaddrInet6{Port: port}
		copy(sa.Addr[:], ip16)
		if zone != "" {
			if ifi, err := net.InterfaceByName(zone); err == nil {
				sa.ZoneId = uint32(ifi.Index)
			} else if n, err := strconv.Atoi(zone); err == nil {
				sa.ZoneId = uint32(n)
			}
		}
		return sa, nil
	}
	return nil, fmt.Errorf("socket: unsupported address family %d", family)
}

// addrOf converts a unix.Sockaddr to a net.Addr for the network kind.
func addrOf(sotype int, sa unix.Sockaddr) net.Addr {
	var ip net.IP
	var port int
	var zone string
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		ip, port = net.IP(append([]byte(nil), sa.Addr[:]...)), sa.Port
	case *unix.SockaddrInet6:
		ip, port = net.IP(append([]byte(nil), sa.Addr[:]...)), sa.Port
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				zone = ifi.Name
			} else {
				zone = strconv.Itoa(int(sa.ZoneId))
			}
		}
	case *unix.SockaddrUnix:
		if sotype == unix.SOCK_DGRAM {
			return &net.UnixAddr{Name: sa.Name, Net: "unixgram"}
		}
		return &net.UnixAddr{Name: sa.Name, Net: "unix"}
	default:
		return nil
	}
	if sotype == unix.SOCK_DGRAM {
		return &net.UDPAddr{IP: ip, Port: port, Zone: zone}
	}
	return &net.TCPAddr{IP: ip, Port: port, Zone: zone}
}

// peerAddr keeps a TCP peer's address in 24 bytes instead of a
// *net.TCPAddr's 64: most servers never ask for it, or once.
type peerAddr struct {
	ip   [16]byte
	zone uint32 // IPv6 scope
	port uint16
	v4   bool
	ok   bool // the address is set
}

// set stores sa if it is a TCP address; it reports whether it did.
func (p *peerAddr) set(sotype int, sa unix.Sockaddr) bool {
	if sotype != unix.SOCK_STREAM {
		return false
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		copy(p.ip[:], sa.Addr[:])
		p.port, p.v4 = uint16(sa.Port), true
	case *unix.SockaddrInet6:
		p.ip, p.port, p.zone = sa.Addr, uint16(sa.Port), sa.ZoneId
	default:
		return false
	}
	p.ok = true
	return true
}

// remoteAddr returns the remote address: a new *net.TCPAddr on each call
// for an accepted TCP socket (see peerAddr), nil if it is not known.
func (fd *netFD) remoteAddr() net.Addr {
	p := &fd.peer
	if !p.ok {
		return fd.raddr
	}
	if p.v4 {
		sa := unix.SockaddrInet4{Port: int(p.port)}
		copy(sa.Addr[:], p.ip[:4])
		return addrOf(unix.SOCK_STREAM, &sa)
	}
	sa := unix.SockaddrInet6{Port: int(p.port), ZoneId: p.zone, Addr: p.ip}
	return addrOf(unix.SOCK_STREAM, &sa)
}

// endpoint is a resolved address ready for socket(2).
type endpoint struct {
	family int
	sotype int
	sa     unix.Sockaddr
	addr   net.Addr
	dual   bool // an IPv6 wildcard listener that also accepts IPv4
}

// errMissingAddress is returned by Dial for an empty address.
var errMissingAddress = errors.New("socket: missing address")

// resolve turns network and address into endpoints, looking host names up
// cooperatively. forListen allows an empty host (the wildcard address).
func resolve(ctx context.Context, network, address string, forListen bool) ([]endpoint, error) {
	switch network {
	case "unix", "unixgram":
		if address == "" {
			return nil, errMissingAddress
		}
		sotype := unix.SOCK_STREAM
		if network == "unixgram" {
			sotype = unix.SOCK_DGRAM
		}
		return []endpoint{{family: unix.AF_UNIX, sotype: sotype,
			sa: &unix.SockaddrUnix{Name: address}, addr: &net.UnixAddr{Name: address, Net: network}}}, nil
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return nil, net.UnknownNetworkError(network)
	}
	sotype := unix.SOCK_STREAM
	if network[:3] == "udp" {
		sotype = unix.SOCK_DGRAM
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := lookupPort(network, portStr)
	if err != nil {
		return nil, err
	}
	if host == "" {
		if !forListen {
			host = "localhost"
		} else {
			return wildcard(network, sotype, port), nil
		}
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		addrs, err := lookupNetIP(ctx, host)
		if err != nil {
			return nil, err
		}
		ips = addrs
	}
	var eps []endpoint
	for _, ip := range ips {
		fam := unix.AF_INET6
		if ip.Is4() || ip.Is4In6() {
			fam = unix.AF_INET
			ip = ip.Unmap()
		}
		if (network[len(network)-1] == '4' && fam != unix.AF_INET) || (network[len(network)-1] == '6' && fam != unix.AF_INET6) {
			continue
		}
		sa, err := sockaddrOf(fam, ip.AsSlice(), port, ip.Zone())
		if err != nil {
			return nil, err
		}
		eps = append(eps, endpoint{family: fam, sotype: sotype, sa: sa, addr: addrOf(sotype, sa)})
	}
	if len(eps) == 0 {
		return nil, &net.AddrError{Err: "no suitable address found", Addr: host}
	}
	return eps, nil
}

func wildcard(network string, sotype, port int) []endpoint {
	if network[len(network)-1] == '4' {
		sa := &unix.SockaddrInet4{Port: port}
		return []endpoint{{family: unix.AF_INET, sotype: sotype, sa: sa, addr: addrOf(sotype, sa)}}
	}
	sa := &unix.SockaddrInet6{Port: port}
	return []endpoint{{family: unix.AF_INET6, sotype: sotype, sa: sa, addr: addrOf(sotype, sa), dual: network[len(network)-1] != '6'}}
}

func lookupPort(network, port string) (int, error) {
	if n, err := strconv.Atoi(port); err == nil {
		if n < 0 || n > 65535 {
			return 0, &net.AddrError{Err: "invalid port", Addr: port}
		}
		return n, nil
	}
	return net.LookupPort(network, port)
}
