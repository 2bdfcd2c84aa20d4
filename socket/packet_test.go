//go:build unix

package socket_test

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

// listenPackets binds two datagram sockets of network in the caller's hub.
func listenPackets(t *testing.T, network, addr1, addr2 string) (*socket.PacketConn, *socket.PacketConn) {
	t.Helper()
	var pcs [2]*socket.PacketConn
	for i, addr := range []string{addr1, addr2} {
		pc, err := socket.ListenPacket(network, addr)
		if err != nil {
			t.Fatalf("ListenPacket(%q, %q) = %v", network, addr, err)
		}
		t.Cleanup(func() { pc.Close() })
		pcs[i] = pc
	}
	return pcs[0], pcs[1]
}

func TestPacketConn(t *testing.T) {
	for _, tc := range []struct{ network, addr1, addr2 string }{
		{"udp", "127.0.0.1:0", "127.0.0.1:0"},
		{"udp4", "127.0.0.1:0", "127.0.0.1:0"},
		{"udp6", "[::1]:0", "[::1]:0"},
		{"unixgram", "a.sock", "b.sock"},
	} {
		t.Run(tc.network, func(t *testing.T) {
			a1, a2 := tc.addr1, tc.addr2
			switch tc.network {
			case "udp6":
				skipWithoutIPv6(t)
			case "unixgram":
				dir := t.TempDir()
				a1, a2 = dir+"/"+a1, dir+"/"+a2
			}
			gevent.Run(func() {
				var p, q net.PacketConn = listenPackets(t, tc.network, a1, a2)
				// A reader parked before the datagram arrives gets it.
				type result struct {
					msg  string
					from net.Addr
				}
				recv := gevent.Spawn(func() (result, error) {
					buf := make([]byte, 100)
					n, from, err := q.ReadFrom(buf)
					return result{string(buf[:n]), from}, err
				})
				gevent.Sleep(0)
				if n, err := p.WriteTo([]byte("hello"), q.LocalAddr()); n != 5 || err != nil {
					t.Fatalf("WriteTo = %d, %v; want 5, nil", n, err)
				}
				r, err := recv.Get()
				if r.msg != "hello" || err != nil {
					t.Errorf("ReadFrom = %q, %v; want \"hello\", nil", r.msg, err)
				}
				if r.from == nil || r.from.String() != p.LocalAddr().String() {
					t.Errorf("ReadFrom sender = %v; want %v", r.from, p.LocalAddr())
				}
				// Datagram boundaries are kept; a short buffer truncates.
				q.WriteTo([]byte("one"), p.LocalAddr())
				q.WriteTo([]byte("two-long"), p.LocalAddr())
				buf := make([]byte, 3)
				for _, want := range []string{"one", "two"} {
					if n, _, err := p.ReadFrom(buf); string(buf[:n]) != want || err != nil {
						t.Errorf("ReadFrom = %q, %v; want %q, nil", buf[:n], err, want)
					}
				}
			})
		})
	}
}

func TestPacketConnDeadlines(t *testing.T) {
	gevent.Run(func() {
		p, q := listenPackets(t, "udp", "127.0.0.1:0", "127.0.0.1:0")
		p.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		start := time.Now()
		_, _, err := p.ReadFrom(make([]byte, 10))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("ReadFrom = %v; want ErrDeadlineExceeded", err)
		}
		if d := time.Since(start); d < 15*time.Millisecond || d > 2*time.Second {
			t.Errorf("ReadFrom returned after %v; want about 20ms", d)
		}
		p.SetDeadline(time.Time{})
		p.SetWriteDeadline(time.Now().Add(-time.Second))
		if _, err := p.WriteTo([]byte("x"), q.LocalAddr()); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("WriteTo past the write deadline = %v; want ErrDeadlineExceeded", err)
		}
		p.SetDeadline(time.Now().Add(time.Hour))
		if _, err := p.WriteTo([]byte("x"), q.LocalAddr()); err != nil {
			t.Errorf("WriteTo after SetDeadline = %v", err)
		}
		// Close wakes a blocked ReadFrom.
		if n, _, err := q.ReadFrom(make([]byte, 10)); n != 1 || err != nil {
			t.Errorf("ReadFrom = %d, %v; want 1, nil", n, err)
		}
		var readErr error
		g := gevent.Go(func() { _, _, readErr = q.ReadFrom(make([]byte, 10)) })
		gevent.Sleep(0) // g parks in ReadFrom
		q.Close()
		g.Join()
		if !errors.Is(readErr, net.ErrClosed) {
			t.Errorf("ReadFrom during Close = %v; want net.ErrClosed", readErr)
		}
	})
}

// TestPacketConnDualStack sends to an IPv4 address from a socket bound to
// the IPv6 wildcard, which also serves IPv4.
func TestPacketConnDualStack(t *testing.T) {
	skipWithoutIPv6(t)
	gevent.Run(func() {
		p, q := listenPackets(t, "udp", ":0", "127.0.0.1:0")
		if _, err := p.WriteTo([]byte("v4"), q.LocalAddr()); err != nil {
			t.Fatalf("WriteTo(IPv4) from a dual-stack socket = %v", err)
		}
		buf := make([]byte, 10)
		q.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, _, err := q.ReadFrom(buf); string(buf[:n]) != "v4" || err != nil {
			t.Errorf("ReadFrom = %q, %v; want \"v4\", nil", buf[:n], err)
		}
		v6only, _ := listenPackets(t, "udp6", "[::1]:0", "[::1]:0")
		if _, err := v6only.WriteTo([]byte("x"), q.LocalAddr()); err == nil {
			t.Errorf("WriteTo(IPv4) from an IPv6-only socket succeeded; want an error")
		}
	})
}

func TestPacketConnErrors(t *testing.T) {
	gevent.Run(func() {
		p, _ := listenPackets(t, "udp4", "127.0.0.1:0", "127.0.0.1:0")
		for _, addr := range []net.Addr{nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, &net.UDPAddr{IP: net.ParseIP("::1"), Port: 1}} {
			if _, err := p.WriteTo([]byte("x"), addr); err == nil {
				t.Errorf("WriteTo(%v) = nil error; want one", addr)
			}
		}
	})
}

// TestDialUDP uses a connected datagram socket through the Conn API against
// an echoing PacketConn.
func TestDialUDP(t *testing.T) {
	gevent.Run(func() {
		srv, err := socket.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		gevent.Go(func() {
			buf := make([]byte, 100)
			for {
				n, from, err := srv.ReadFrom(buf)
				if err != nil {
					return
				}
				srv.WriteTo(buf[:n], from)
			}
		})
		c, err := socket.Dial("udp", srv.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, ok := c.RemoteAddr().(*net.UDPAddr); !ok || c.RemoteAddr().String() != srv.LocalAddr().String() {
			t.Errorf("RemoteAddr = %#v; want %v", c.RemoteAddr(), srv.LocalAddr())
		}
		for _, msg := range []string{"first", "second"} {
			if n, err := c.Write([]byte(msg)); n != len(msg) || err != nil {
				t.Errorf("Write = %d, %v", n, err)
			}
		}
		buf := make([]byte, 100)
		for _, want := range []string{"first", "second"} {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(buf); string(buf[:n]) != want || err != nil {
				t.Errorf("Read = %q, %v; want %q, nil", buf[:n], err, want)
			}
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read with nothing sent = %v; want ErrDeadlineExceeded", err)
		}
	})
}
