//go:build unix

package socket_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
	"golang.org/x/sys/unix"
)

// skipWithoutIPv6 skips the test when ::1 cannot be bound.
func skipWithoutIPv6(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("IPv6 loopback unavailable: %v", err)
	}
	ln.Close()
}

// fullListener returns the address of a TCP listener whose accept queue is
// full, so that a connect to it hangs until it is interrupted.
func fullListener(t *testing.T) string {
	t.Helper()
	ln, err := socket.ListenConfig{Backlog: 1}.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var fillers []net.Conn
	t.Cleanup(func() {
		ln.Close()
		for _, c := range fillers {
			c.Close()
		}
	})
	addr := ln.Addr().String()
	for range 64 {
		c, err := net.DialTimeout("tcp", addr, 50*time.Millisecond)
		if err != nil {
			return addr
		}
		fillers = append(fillers, c)
	}
	t.Skip("cannot fill a listen queue on this system")
	return ""
}

// refusedAddr returns a local TCP address nobody listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestDialNetworks(t *testing.T) {
	for _, tc := range []struct{ network, listen, dial string }{
		{"tcp", "127.0.0.1:0", "tcp"},
		{"tcp4", "127.0.0.1:0", "tcp4"},
		{"tcp6", "[::1]:0", "tcp6"},
		{"tcp", "[::1]:0", "tcp"},
		{"unix", "", "unix"},
	} {
		t.Run(tc.network+" "+tc.listen, func(t *testing.T) {
			addr := tc.listen
			switch {
			case tc.network == "unix":
				addr = t.TempDir() + "/d.sock"
			case addr[0] == '[':
				skipWithoutIPv6(t)
			}
			gevent.Run(func() {
				c, s := streamPair(t, tc.network, addr)
				var _ net.Conn = c
				if got, want := c.RemoteAddr().String(), s.LocalAddr().String(); got != want {
					t.Errorf("client RemoteAddr = %s; want the server's LocalAddr %s", got, want)
				}
				if tc.network != "unix" {
					if got, want := s.RemoteAddr().String(), c.LocalAddr().String(); got != want {
						t.Errorf("server RemoteAddr = %s; want the client's LocalAddr %s", got, want)
					}
				}
				// Write writes everything, however large, while the peer reads.
				msg := bytes.Repeat([]byte("0123456789"), 400000)
				w := gevent.Spawn(func() (int, error) { return c.Write(msg) })
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(s, got); err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("ReadFull = %v (equal %v)", err, bytes.Equal(got, msg))
				}
				if n, err := w.Get(); n != len(msg) || err != nil {
					t.Errorf("Write = %d, %v; want %d, nil", n, err, len(msg))
				}
				// Half close: the server reads EOF and can still answer.
				if err := c.CloseWrite(); err != nil {
					t.Errorf("CloseWrite = %v", err)
				}
				if n, err := s.Read(got); n != 0 || err != io.EOF {
					t.Errorf("Read after the peer's CloseWrite = %d, %v; want 0, EOF", n, err)
				}
				s.Write([]byte("bye"))
				if b, err := io.ReadAll(io.LimitReader(c, 3)); string(b) != "bye" || err != nil {
					t.Errorf("Read after CloseWrite = %q, %v; want \"bye\", nil", b, err)
				}
				if err := s.CloseRead(); err != nil {
					t.Errorf("CloseRead = %v", err)
				}
				if n, err := s.Read(got); n != 0 || err != io.EOF {
					t.Errorf("Read after CloseRead = %d, %v; want 0, EOF", n, err)
				}
			})
		})
	}
}

func TestSyscallConn(t *testing.T) {
	gevent.Run(func() {
		a, b := socketpair(t)
		raw, err := a.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var fd uintptr
		if err := raw.Control(func(f uintptr) { fd = f }); err != nil || fd == 0 {
			t.Errorf("Control = %v, fd %d", err, fd)
		}
		gevent.Go(func() {
			gevent.Sleep(5 * time.Millisecond)
			b.Write([]byte("raw"))
		})
		buf := make([]byte, 10)
		var n, calls int
		err = raw.Read(func(f uintptr) bool {
			calls++
			var rerr error
			n, rerr = syscall.Read(int(f), buf)
			return rerr != syscall.EAGAIN
		})
		if err != nil || string(buf[:n]) != "raw" || calls < 2 {
			t.Errorf("raw Read = %v, %q after %d calls; want nil, \"raw\" after a wait", err, buf[:n], calls)
		}
		err = raw.Write(func(f uintptr) bool {
			_, werr := syscall.Write(int(f), []byte("back"))
			return werr != syscall.EAGAIN
		})
		if _, rerr := io.ReadFull(b, buf[:4]); err != nil || rerr != nil || string(buf[:4]) != "back" {
			t.Errorf("raw Write = %v; peer read %q, %v", err, buf[:4], rerr)
		}
	})
}

func TestDialTimeout(t *testing.T) {
	gevent.Run(func() {
		addr := fullListener(t)
		for _, tc := range []struct {
			name string
			dial func() (*socket.Conn, error)
			want error
		}{
			{"DialTimeout", func() (*socket.Conn, error) {
				return socket.DialTimeout("tcp", addr, 30*time.Millisecond)
			}, os.ErrDeadlineExceeded},
			{"Dialer.Timeout", func() (*socket.Conn, error) {
				return (&socket.Dialer{Timeout: 30 * time.Millisecond}).Dial("tcp", addr)
			}, os.ErrDeadlineExceeded},
			{"Dialer.Deadline", func() (*socket.Conn, error) {
				return (&socket.Dialer{Deadline: time.Now().Add(30 * time.Millisecond)}).Dial("tcp", addr)
			}, os.ErrDeadlineExceeded},
			{"context deadline", func() (*socket.Conn, error) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
				defer cancel()
				return (&socket.Dialer{}).DialContext(ctx, "tcp", addr)
			}, context.DeadlineExceeded},
			{"context cancelled by a goroutine", func() (*socket.Conn, error) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(30*time.Millisecond, cancel)
				return (&socket.Dialer{}).DialContext(ctx, "tcp", addr)
			}, context.Canceled},
		} {
			start := time.Now()
			c, err := tc.dial()
			d := time.Since(start)
			if err == nil {
				c.Close()
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("%s = %v; want %v", tc.name, err, tc.want)
			}
			var oe *net.OpError
			if !errors.As(err, &oe) || oe.Op != "dial" {
				t.Errorf("%s error %v is not a dial *net.OpError", tc.name, err)
			}
			if d < 25*time.Millisecond || d > 2*time.Second {
				t.Errorf("%s returned after %v; want about 30ms", tc.name, d)
			}
		}
	})
}

func TestDialerLocalAddr(t *testing.T) {
	gevent.Run(func() {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		acc := gevent.Spawn(ln.AcceptConn)
		d := &socket.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Skipf("cannot bind 127.0.0.2: %v", err)
		}
		defer c.Close()
		s, err := acc.Get()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if ip := s.RemoteAddr().(*net.TCPAddr).IP.String(); ip != "127.0.0.2" {
			t.Errorf("server sees the client at %s; want 127.0.0.2", ip)
		}
		if got, want := c.LocalAddr().String(), s.RemoteAddr().String(); got != want {
			t.Errorf("client LocalAddr = %s; want %s", got, want)
		}

		dir := t.TempDir()
		uln, err := socket.Listen("unix", dir+"/srv.sock")
		if err != nil {
			t.Fatal(err)
		}
		defer uln.Close()
		uacc := gevent.Spawn(uln.AcceptConn)
		ud := &socket.Dialer{LocalAddr: &net.UnixAddr{Name: dir + "/cli.sock", Net: "unix"}}
		uc, err := ud.Dial("unix", dir+"/srv.sock")
		if err != nil {
			t.Fatal(err)
		}
		defer uc.Close()
		us, err := uacc.Get()
		if err != nil {
			t.Fatal(err)
		}
		defer us.Close()
		if got := us.RemoteAddr().String(); got != dir+"/cli.sock" {
			t.Errorf("unix server sees the client at %q; want %q", got, dir+"/cli.sock")
		}

		if _, err := (&socket.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("192.0.2.1")}}).Dial("tcp", ln.Addr().String()); !errors.Is(err, syscall.EADDRNOTAVAIL) {
			t.Errorf("Dial from a foreign local address = %v; want EADDRNOTAVAIL", err)
		}
	})
}

func TestDialErrors(t *testing.T) {
	gevent.Run(func() {
		for _, tc := range []struct {
			network, addr string
			want          error // nil: any *net.OpError
		}{
			{"tcp", refusedAddr(t), syscall.ECONNREFUSED},
			{"unix", t.TempDir() + "/missing.sock", syscall.ENOENT},
			{"tcp", "127.0.0.1", nil},       // missing port
			{"tcp", "127.0.0.1:99999", nil}, // bad port
			{"tcp6", "127.0.0.1:80", nil},   // wrong family
			{"tcp7", "127.0.0.1:80", nil},   // unknown network
			{"unix", "", nil},
		} {
			c, err := socket.Dial(tc.network, tc.addr)
			if err == nil {
				c.Close()
				t.Errorf("Dial(%q, %q) succeeded; want an error", tc.network, tc.addr)
				continue
			}
			var oe *net.OpError
			if !errors.As(err, &oe) || oe.Op != "dial" {
				t.Errorf("Dial(%q, %q) = %v; want a dial *net.OpError", tc.network, tc.addr, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Dial(%q, %q) = %v; want %v", tc.network, tc.addr, err, tc.want)
			}
		}
	})
}

// countFDs returns the number of open descriptors of the process.
func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list /proc/self/fd: %v", err)
	}
	return len(ents)
}

// TestNoFDLeaks checks that failed dials and open/close cycles of every kind
// of socket return their descriptors. A first round creates the runtime's
// own descriptors (Go's netpoller, the background hub); the counts before
// and after the measured rounds must then match.
func TestNoFDLeaks(t *testing.T) {
	full, refused := fullListener(t), refusedAddr(t)
	cycle := func(t *testing.T, rounds int) {
		for range rounds {
			if _, err := socket.Dial("tcp", refused); err == nil {
				t.Fatal("dial to a closed port succeeded")
			}
			socket.Dial("tcp", "127.0.0.1:99999")
			socket.Dial("unix", "/nonexistent/socket")
			socket.DialTimeout("tcp", full, time.Millisecond)
			gevent.WithTimeout(time.Millisecond, func() error {
				_, err := socket.Dial("tcp", full)
				return err
			})
			c, s := streamPair(t, "tcp", "127.0.0.1:0")
			c.Close()
			s.Close()
			a, b, _ := socket.Socketpair()
			a.Close()
			b.Close()
			if pc, err := socket.ListenPacket("udp", "127.0.0.1:0"); err == nil {
				pc.Close()
			}
			if _, err := socket.Listen("tcp", full); err == nil {
				t.Fatal("Listen on a used address succeeded")
			}
			done := make(chan struct{})
			go func() { // a goroutine without a hub: the background hub
				defer close(done)
				if c, err := socket.Dial("tcp", refused); err == nil {
					c.Close()
				}
				var p [2]int
				if nbPipe(&p) == nil {
					socket.WaitRead(p[0], time.Millisecond)
					unix.Close(p[0])
					unix.Close(p[1])
				}
			}()
			<-done
		}
	}
	// The listener above belongs to the background hub, so this goroutine
	// has no hub of its own and Run can create one.
	if err := gevent.Run(func() { cycle(t, 1) }); err != nil {
		t.Fatalf("Run = %v", err)
	}
	before := countFDs(t)
	if err := gevent.Run(func() { cycle(t, 30) }); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if after := countFDs(t); after > before {
		t.Errorf("open descriptors: %d before 30 rounds, %d after; want no more", before, after)
	}
}

// TestHTTPTransport plugs Dialer.NetDialContext into net/http: a greenlet
// fetches from a local httptest server over cooperative connections. The
// transport dials and reads on goroutines of its own, which use the
// connections through the background hub.
func TestHTTPTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from "+r.URL.Path)
	}))
	defer srv.Close()
	var dials atomic.Int32
	d := &socket.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.NetDialContext(ctx, network, addr)
		if _, ok := c.(*socket.Conn); ok && err == nil {
			dials.Add(1)
		}
		return c, err
	}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	gevent.Run(func() {
		g := gevent.Spawn(func() ([]string, error) {
			var bodies []string
			for _, path := range []string{"/a", "/b", "/c"} {
				resp, err := client.Get(srv.URL + path)
				if err != nil {
					return bodies, err
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					return bodies, err
				}
				bodies = append(bodies, string(b))
			}
			return bodies, nil
		})
		bodies, err := g.Get()
		want := []string{"hello from /a", "hello from /b", "hello from /c"}
		if err != nil || len(bodies) != 3 || bodies[0] != want[0] || bodies[1] != want[1] || bodies[2] != want[2] {
			t.Errorf("bodies = %q, %v; want %q, nil", bodies, err, want)
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("the transport dialed %d *socket.Conn; want 1 (kept alive)", n)
		}
	})
}

func TestTCPOptions(t *testing.T) {
	gevent.Run(func() {
		c, _ := streamPair(t, "tcp", "127.0.0.1:0")
		get := func(level, opt int) int {
			raw, _ := c.SyscallConn()
			var v int
			var err error
			raw.Control(func(fd uintptr) { v, err = unix.GetsockoptInt(int(fd), level, opt) })
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if get(unix.IPPROTO_TCP, unix.TCP_NODELAY) == 0 {
			t.Errorf("TCP_NODELAY is off on a new connection; want on, as in package net")
		}
		for _, on := range []bool{false, true} {
			if err := c.SetNoDelay(on); err != nil {
				t.Errorf("SetNoDelay(%v) = %v", on, err)
			}
			if got := get(unix.IPPROTO_TCP, unix.TCP_NODELAY) != 0; got != on {
				t.Errorf("after SetNoDelay(%v), TCP_NODELAY = %v", on, got)
			}
			if err := c.SetKeepAlive(on); err != nil {
				t.Errorf("SetKeepAlive(%v) = %v", on, err)
			}
			if got := get(unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0; got != on {
				t.Errorf("after SetKeepAlive(%v), SO_KEEPALIVE = %v", on, got)
			}
		}
		c.Close()
		if err := c.SetNoDelay(true); !errors.Is(err, net.ErrClosed) {
			t.Errorf("SetNoDelay after Close = %v; want net.ErrClosed", err)
		}
	})
}
