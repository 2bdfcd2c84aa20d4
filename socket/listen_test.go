//go:build unix

package socket_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

func TestListenerCloseWakesAccept(t *testing.T) {
	gevent.Run(func() {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var l net.Listener = ln
		var got net.Conn
		acc := gevent.Go(func() { got, err = l.Accept() })
		gevent.Sleep(0) // acc parks in Accept
		if _, err := ln.AcceptConn(); !errors.As(err, new(*gevent.ConcurrentUseError)) {
			t.Errorf("second Accept = %v; want a *gevent.ConcurrentUseError", err)
		}
		gevent.Go(func() { l.Close() })
		if acc.Join(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close = %v; want net.ErrClosed", err)
		}
		if got != nil {
			t.Errorf("Accept returned the connection %#v with its error; want nil", got)
		}
	})
}

func TestListenerDeadline(t *testing.T) {
	gevent.Run(func() {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ln.SetDeadline(time.Now().Add(20 * time.Millisecond))
		start := time.Now()
		if _, err := ln.Accept(); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Accept = %v; want ErrDeadlineExceeded", err)
		}
		if d := time.Since(start); d < 15*time.Millisecond || d > 2*time.Second {
			t.Errorf("Accept returned after %v; want about 20ms", d)
		}
		ln.SetDeadline(time.Time{})
		dial := gevent.Spawn(func() (*socket.Conn, error) { return socket.Dial("tcp", ln.Addr().String()) })
		c, err := ln.Accept()
		if err != nil {
			t.Fatalf("Accept after clearing the deadline = %v", err)
		}
		c.Close()
		if d, err := dial.Get(); err == nil {
			d.Close()
		}
	})
}

func TestTryAcceptAndWaitAccept(t *testing.T) {
	gevent.Run(func() {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		if c, err := ln.TryAccept(); c != nil || err != nil {
			t.Errorf("TryAccept with nothing pending = %v, %v; want nil, nil", c, err)
		}
		var clients []*socket.Conn
		dialer := gevent.Go(func() {
			for range 3 {
				c, err := socket.Dial("tcp", ln.Addr().String())
				if err != nil {
					t.Error(err)
					return
				}
				clients = append(clients, c)
			}
		})
		if err := ln.WaitAccept(); err != nil {
			t.Fatalf("WaitAccept = %v", err)
		}
		dialer.Join()
		n := 0
		for {
			c, err := ln.TryAccept()
			if c == nil || err != nil {
				break
			}
			n++
			c.Close()
		}
		if n != 3 {
			t.Errorf("TryAccept drained %d connections; want 3", n)
		}
		for _, c := range clients {
			c.Close()
		}
	})
}

func TestListenUnixRemovesFile(t *testing.T) {
	gevent.Run(func() {
		path := t.TempDir() + "/l.sock"
		ln, err := socket.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("socket file missing while listening: %v", err)
		}
		if got := ln.Addr().String(); got != path {
			t.Errorf("Addr = %q; want %q", got, path)
		}
		ln.Close()
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("socket file after Close: %v; want it removed", err)
		}
	})
}

func TestListenReusePort(t *testing.T) {
	gevent.Run(func() {
		lc := socket.ListenConfig{ReusePort: true}
		l1, err := lc.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l1.Close()
		l2, err := lc.Listen("tcp", l1.Addr().String())
		if err != nil {
			t.Fatalf("second ReusePort Listen = %v", err)
		}
		l2.Close()
		if _, err := socket.Listen("tcp", l1.Addr().String()); !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("Listen without ReusePort on a used address = %v; want EADDRINUSE", err)
		}
	})
}

func TestListenErrors(t *testing.T) {
	gevent.Run(func() {
		for _, tc := range []struct{ network, addr string }{
			{"udp", "127.0.0.1:0"},
			{"tcp", "127.0.0.1"},
			{"tcp", "127.0.0.1:70000"},
			{"ip", "127.0.0.1:0"},
			{"unix", ""},
			{"unix", "/nonexistent/dir/l.sock"},
		} {
			ln, err := socket.Listen(tc.network, tc.addr)
			if err == nil {
				ln.Close()
				t.Errorf("Listen(%q, %q) succeeded; want an error", tc.network, tc.addr)
				continue
			}
			var oe *net.OpError
			if !errors.As(err, &oe) || oe.Op != "listen" {
				t.Errorf("Listen(%q, %q) = %v; want a listen *net.OpError", tc.network, tc.addr, err)
			}
		}
		if pc, err := socket.ListenPacket("tcp", "127.0.0.1:0"); err == nil {
			pc.Close()
			t.Errorf("ListenPacket(tcp) succeeded; want an error")
		}
	})
}

func TestListenWildcard(t *testing.T) {
	gevent.Run(func() {
		for _, network := range []string{"tcp", "tcp4"} {
			ln, err := socket.Listen(network, ":0")
			if err != nil {
				t.Fatal(err)
			}
			port := ln.Addr().(*net.TCPAddr).Port
			acc := gevent.Spawn(ln.AcceptConn)
			c, err := socket.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				t.Errorf("Dial to the %s wildcard listener over IPv4 = %v", network, err)
			} else {
				c.Close()
			}
			ln.Close()
			if s, err := acc.Get(); err == nil {
				s.Close()
			}
		}
	})
}

// TestListenerServesHTTP runs net/http's server on a Listener in a greenlet:
// Accept parks the greenlet, and the server's per-connection goroutines use
// the accepted connections through the hub's loop, which keeps running.
func TestListenerServesHTTP(t *testing.T) {
	gevent.Run(func() {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "served "+r.URL.Path)
		})}
		var serveErr error
		serve := gevent.Go(func() { serveErr = srv.Serve(ln) })
		body, err := gevent.Blocking(func() (string, error) {
			resp, err := http.Get("http://" + ln.Addr().String() + "/x")
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return string(b), err
		})
		if body != "served /x" || err != nil {
			t.Errorf("GET = %q, %v; want \"served /x\", nil", body, err)
		}
		// Server.Close waits for Serve to return: a plain blocking call that
		// must not hold the hub, which runs Serve's greenlet.
		gevent.Blocking(func() (struct{}, error) { return struct{}{}, srv.Close() })
		if serve.Join(); !errors.Is(serveErr, http.ErrServerClosed) {
			t.Errorf("Serve = %v; want http.ErrServerClosed", serveErr)
		}
	})
}
