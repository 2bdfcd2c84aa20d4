package server

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/testcert"
	"github.com/geventgo/gevent/socket"
)

// run runs fn as the main of a fresh hub and fails the test if the hub
// reports an error.
func run(t *testing.T, fn func()) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatalf("gevent.Run = %v; want nil", err)
	}
}

// echoHandler writes back what it reads until EOF.
func echoHandler(c net.Conn) { io.Copy(c, c) }

// roundTrip writes msg on c and reads len(msg) bytes back.
func roundTrip(c net.Conn, msg string) (string, error) {
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	_, err := io.ReadFull(c, buf)
	return string(buf), err
}

// serveInBackground starts s with ServeForever on a hub of its own, on a new
// goroutine, and returns once it accepts. The returned channel receives
// ServeForever's result.
func serveInBackground(t *testing.T, s *StreamServer) <-chan error {
	t.Helper()
	ready := make(chan error, 1)
	result := make(chan error, 1)
	go func() {
		err := gevent.Run(func() {
			if err := s.Start(); err != nil {
				ready <- err
				return
			}
			ready <- nil
			result <- s.ServeForever()
		})
		if err != nil {
			ready <- err
		}
	}()
	if err := <-ready; err != nil {
		t.Fatalf("Start = %v; want nil", err)
	}
	return result
}

// waitResult waits for ch, failing after a generous bound.
func waitResult(t *testing.T, what string, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return within 10s", what)
		return nil
	}
}

func TestStartWithoutHandler(t *testing.T) {
	run(t, func() {
		var s StreamServer
		const want = "server: StreamServer.Handler is nil"
		if err := s.Start(); err == nil || err.Error() != want {
			t.Errorf("Start = %v; want %q", err, want)
		}
		if err := s.ServeForever(); err == nil || err.Error() != want {
			t.Errorf("ServeForever = %v; want %q", err, want)
		}
		if a := s.LocalAddr(); a != nil {
			t.Errorf("LocalAddr = %v; want nil", a)
		}
	})
}

// TestEcho serves a few clients on each network: LocalAddr is nil before
// Start and the bound address after it.
func TestEcho(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		network, addr string
	}{
		{"", ""}, // defaults: tcp on :0
		{"tcp", "127.0.0.1:0"},
		{"tcp4", "127.0.0.1:0"},
		{"unix", filepath.Join(dir, "echo.sock")},
	}
	for _, tt := range tests {
		t.Run(cmp.Or(tt.network, "default"), func(t *testing.T) {
			run(t, func() {
				s := &StreamServer{Network: tt.network, Addr: tt.addr, Handler: echoHandler}
				if a := s.LocalAddr(); a != nil {
					t.Errorf("LocalAddr before Start = %v; want nil", a)
				}
				if err := s.Start(); err != nil {
					t.Fatalf("Start = %v", err)
				}
				defer s.Stop(time.Second)
				la := s.LocalAddr()
				if la == nil {
					t.Fatal("LocalAddr after Start = nil")
				}
				network, addr := la.Network(), la.String()
				if tcp, ok := la.(*net.TCPAddr); ok {
					if tcp.Port == 0 {
						t.Errorf("LocalAddr = %v; want a bound port", la)
					}
					network, addr = "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
				}
				var gs []*gevent.Greenlet[string]
				for i := range 3 {
					gs = append(gs, gevent.Spawn(func() (string, error) {
						c, err := socket.Dial(network, addr)
						if err != nil {
							return "", err
						}
						defer c.Close()
						return roundTrip(c, "hello "+strconv.Itoa(i))
					}))
				}
				for i, g := range gs {
					if got, err := g.Get(); got != "hello "+strconv.Itoa(i) || err != nil {
						t.Errorf("client %d: echo = %q, %v; want %q, nil", i, got, err, "hello "+strconv.Itoa(i))
					}
				}
			})
		})
	}
}

// TestConnClosedWhenHandlerReturns checks that the client reads EOF once the
// handler returns, also when the handler panics, and that a panicking
// handler frees its Pool slot.
func TestConnClosedWhenHandlerReturns(t *testing.T) {
	tests := []struct {
		name  string
		panic bool
	}{
		{"return", false},
		{"panic", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				var reports []string
				gevent.CurrentHub().SetErrorHandler(func(r gevent.Report) { reports = append(reports, r.String()) })
				s := &StreamServer{Addr: "127.0.0.1:0", Pool: 1, Handler: func(c net.Conn) {
					c.Write([]byte("bye"))
					if tt.panic {
						panic("handler failed")
					}
				}}
				if err := s.Start(); err != nil {
					t.Fatalf("Start = %v", err)
				}
				defer s.Stop(time.Second)
				for i := range 2 { // the second client needs the slot of the first
					c, err := socket.Dial("tcp", s.LocalAddr().String())
					if err != nil {
						t.Fatalf("Dial = %v", err)
					}
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					got, err := io.ReadAll(c)
					c.Close()
					if string(got) != "bye" || err != nil {
						t.Errorf("client %d: ReadAll = %q, %v; want \"bye\", nil (EOF)", i, got, err)
					}
				}
				if tt.panic && (len(reports) != 2 || !strings.Contains(reports[0], "handler failed")) {
					t.Errorf("hub reports = %q; want 2 reports of the panic", reports)
				}
				if !tt.panic && len(reports) != 0 {
					t.Errorf("hub reports = %q; want none", reports)
				}
			})
		})
	}
}

// blockingServer starts a server whose handlers record their start, then
// block reading until the client writes or closes, and record the read's
// error.
type blockingServer struct {
	*StreamServer
	mu     sync.Mutex
	events []string
	errs   []error
}

func startBlocking(t *testing.T, pool int) *blockingServer {
	t.Helper()
	b := &blockingServer{}
	b.StreamServer = &StreamServer{Addr: "127.0.0.1:0", Pool: pool, Handler: func(c net.Conn) {
		buf := make([]byte, 1)
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		b.record("start "+string(buf), nil)
		_, err := c.Read(buf)
		b.record("end", err)
	}}
	if err := b.Start(); err != nil {
		t.Fatalf("Start = %v", err)
	}
	return b
}

func (b *blockingServer) record(ev string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, ev)
	if ev == "end" {
		b.errs = append(b.errs, err)
	}
}

func (b *blockingServer) snapshot() ([]string, []error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.events...), append([]error(nil), b.errs...)
}

// dialID connects a client that sends its one-byte id, from a greenlet.
func dialID(t *testing.T, addr net.Addr, id string) *socket.Conn {
	t.Helper()
	c, err := socket.Dial("tcp", addr.String())
	if err != nil {
		t.Fatalf("Dial = %v", err)
	}
	if _, err := c.Write([]byte(id)); err != nil {
		t.Fatalf("Write = %v", err)
	}
	return c
}

// waitEvents sleeps cooperatively until the server has recorded n events.
func (b *blockingServer) waitEvents(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ev, _ := b.snapshot()
		if len(ev) >= n {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("events = %q; want %d events within 5s", ev, n)
		}
		gevent.Sleep(time.Millisecond)
	}
}

func TestStopKillsHandlersAfterTimeout(t *testing.T) {
	run(t, func() {
		b := startBlocking(t, 0)
		c1 := dialID(t, b.LocalAddr(), "1")
		defer c1.Close()
		b.waitEvents(t, 1)
		start := time.Now()
		if err := b.Stop(100 * time.Millisecond); err != nil {
			t.Errorf("Stop = %v; want nil", err)
		}
		if d := time.Since(start); d < 100*time.Millisecond || d > 3*time.Second {
			t.Errorf("Stop took %v; want about 100ms", d)
		}
		events, errs := b.snapshot()
		if strings.Join(events, ",") != "start 1,end" || len(errs) != 1 || !errors.Is(errs[0], gevent.ErrGreenletExit) {
			t.Errorf("events = %q, errs = %v; want [start 1 end], [ErrGreenletExit]", events, errs)
		}
		c1.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := c1.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("client Read after Stop = %d, %v; want 0, EOF", n, err)
		}
		if c, err := socket.Dial("tcp", b.LocalAddr().String()); err == nil {
			c.Close()
			t.Error("Dial after Stop succeeded; want connection refused")
		}
	})
}

// TestStopWaitsForHandlers: a handler that finishes within the timeout is
// not killed, and Stop returns as soon as it has.
func TestStopWaitsForHandlers(t *testing.T) {
	run(t, func() {
		b := startBlocking(t, 0)
		c1 := dialID(t, b.LocalAddr(), "1")
		defer c1.Close()
		b.waitEvents(t, 1)
		gevent.Go(func() {
			gevent.Sleep(50 * time.Millisecond)
			c1.Write([]byte("x"))
		})
		start := time.Now()
		if err := b.Stop(5 * time.Second); err != nil {
			t.Errorf("Stop = %v; want nil", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Stop took %v; want about 50ms (the handler's time)", d)
		}
		events, errs := b.snapshot()
		if strings.Join(events, ",") != "start 1,end" || len(errs) != 1 || errs[0] != nil {
			t.Errorf("events = %q, errs = %v; want [start 1 end], [<nil>]", events, errs)
		}
	})
}

// TestCloseLeavesHandlersRunning: after Close no new client connects, but a
// running handler goes on serving its client.
func TestCloseLeavesHandlersRunning(t *testing.T) {
	run(t, func() {
		s := &StreamServer{Addr: "127.0.0.1:0", Handler: echoHandler}
		if err := s.Start(); err != nil {
			t.Fatalf("Start = %v", err)
		}
		c, err := socket.Dial("tcp", s.LocalAddr().String())
		if err != nil {
			t.Fatalf("Dial = %v", err)
		}
		defer c.Close()
		if got, err := roundTrip(c, "before"); got != "before" || err != nil {
			t.Fatalf("echo before Close = %q, %v", got, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close = %v; want nil", err)
		}
		if got, err := roundTrip(c, "after"); got != "after" || err != nil {
			t.Errorf("echo after Close = %q, %v; want \"after\", nil", got, err)
		}
		if c2, err := socket.Dial("tcp", s.LocalAddr().String()); err == nil {
			c2.Close()
			t.Error("Dial after Close succeeded; want connection refused")
		}
		if err := s.ServeForever(); err != ErrServerClosed {
			t.Errorf("ServeForever after Close = %v; want ErrServerClosed", err)
		}
	})
}

// TestServeForeverReturnsErrServerClosed stops or closes a serving server
// from a greenlet of its hub and from another goroutine.
func TestServeForeverReturnsErrServerClosed(t *testing.T) {
	stops := map[string]func(*StreamServer) error{
		"Stop":  func(s *StreamServer) error { return s.Stop(time.Second) },
		"Close": (*StreamServer).Close,
	}
	for name, stop := range stops {
		for _, hubs := range []int{1, 2} {
			t.Run(name+"/greenlet/hubs="+strconv.Itoa(hubs), func(t *testing.T) {
				run(t, func() {
					s := &StreamServer{Addr: "127.0.0.1:0", Hubs: hubs, Handler: echoHandler}
					var serveErr error
					g := gevent.Go(func() { serveErr = s.ServeForever() })
					gevent.Go(func() {
						for s.LocalAddr() == nil {
							gevent.Sleep(time.Millisecond)
						}
						if err := stop(s); err != nil {
							t.Errorf("%s = %v; want nil", name, err)
						}
					})
					if err := g.Join(); err != nil || serveErr != ErrServerClosed {
						t.Errorf("Join, ServeForever = %v, %v; want nil, ErrServerClosed", err, serveErr)
					}
				})
			})
			t.Run(name+"/goroutine/hubs="+strconv.Itoa(hubs), func(t *testing.T) {
				s := &StreamServer{Addr: "127.0.0.1:0", Hubs: hubs, Handler: echoHandler}
				result := serveInBackground(t, s)
				c, err := net.Dial("tcp", s.LocalAddr().String())
				if err != nil {
					t.Fatalf("Dial = %v", err)
				}
				if got, err := roundTrip(c, "hi"); got != "hi" || err != nil {
					t.Errorf("echo = %q, %v; want \"hi\", nil", got, err)
				}
				c.Close()
				if err := stop(s); err != nil {
					t.Errorf("%s = %v; want nil", name, err)
				}
				if err := waitResult(t, "ServeForever", result); err != ErrServerClosed {
					t.Errorf("ServeForever = %v; want ErrServerClosed", err)
				}
			})
		}
	}
}

func TestStopTwice(t *testing.T) {
	run(t, func() {
		s := &StreamServer{Addr: "127.0.0.1:0", Handler: echoHandler}
		if err := s.Start(); err != nil {
			t.Fatalf("Start = %v", err)
		}
		if err := s.Start(); err != nil {
			t.Errorf("second Start = %v; want nil (already started)", err)
		}
		if err := s.Stop(time.Second); err != nil {
			t.Errorf("Stop = %v; want nil", err)
		}
		if err := s.Stop(time.Second); err != ErrServerClosed {
			t.Errorf("second Stop = %v; want ErrServerClosed", err)
		}
		if err := s.Close(); err != ErrServerClosed {
			t.Errorf("Close after Stop = %v; want ErrServerClosed", err)
		}
		if err := s.Start(); err != ErrServerClosed {
			t.Errorf("Start after Stop = %v; want ErrServerClosed", err)
		}
		if err := s.ServeForever(); err != ErrServerClosed {
			t.Errorf("ServeForever after Stop = %v; want ErrServerClosed", err)
		}
	})
}

func TestStopBeforeStart(t *testing.T) {
	run(t, func() {
		s := &StreamServer{Addr: "127.0.0.1:0", Handler: echoHandler}
		if err := s.Stop(time.Second); err != nil {
			t.Errorf("Stop before Start = %v; want nil", err)
		}
		if err := s.Start(); err != ErrServerClosed {
			t.Errorf("Start after Stop = %v; want ErrServerClosed", err)
		}
	})
}

// TestStartError: a failed Start (the address is taken) returns the listen
// error, and Stop then returns at once instead of waiting for a server that
// never ran.
func TestStartError(t *testing.T) {
	for _, hubs := range []int{1, 2} {
		t.Run("hubs="+strconv.Itoa(hubs), func(t *testing.T) {
			run(t, func() {
				taken, err := socket.Listen("tcp", "127.0.0.1:0") // without SO_REUSEPORT
				if err != nil {
					t.Fatal(err)
				}
				defer taken.Close()
				s := &StreamServer{Addr: taken.Addr().String(), Hubs: hubs, Handler: echoHandler}
				if err := s.Start(); err == nil || !strings.Contains(err.Error(), "address already in use") {
					t.Errorf("Start = %v; want address already in use", err)
				}
				if a := s.LocalAddr(); a != nil {
					t.Errorf("LocalAddr after failed Start = %v; want nil", a)
				}
				done := make(chan error, 1)
				go func() { done <- s.Stop(time.Second) }()
				select {
				case err := <-done:
					if err != nil {
						t.Errorf("Stop after failed Start = %v; want nil", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("Stop after failed Start did not return within 5s")
				}
			})
		})
	}
}

// TestListenerField serves a listener made by the caller.
func TestListenerField(t *testing.T) {
	run(t, func() {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := &StreamServer{Listener: ln, Hubs: 2, Handler: echoHandler}
		const want = "server: Listener cannot be shared by several hubs"
		if err := s.Start(); err == nil || err.Error() != want {
			t.Errorf("Start with Listener and Hubs 2 = %v; want %q", err, want)
		}
		s = &StreamServer{Listener: ln, Handler: echoHandler}
		if err := s.Start(); err != nil {
			t.Fatalf("Start = %v", err)
		}
		defer s.Stop(time.Second)
		if s.LocalAddr().String() != ln.Addr().String() {
			t.Errorf("LocalAddr = %v; want %v", s.LocalAddr(), ln.Addr())
		}
		c, err := socket.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if got, err := roundTrip(c, "own listener"); got != "own listener" || err != nil {
			t.Errorf("echo = %q, %v; want \"own listener\", nil", got, err)
		}
	})
}

// syncBuffer is a goroutine-safe writer for ErrorLog.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTLS: a crypto/tls client talks to the server, whose Handler gets a
// *tls.Conn with the handshake done; a client that does not speak TLS never
// reaches the Handler, and its handshake error goes to ErrorLog.
func TestTLS(t *testing.T) {
	serverConf, clientConf := testcert.Configs(t)
	var mu sync.Mutex
	var handled []string
	var errLog syncBuffer
	s := &StreamServer{
		Addr:      "127.0.0.1:0",
		TLSConfig: serverConf,
		ErrorLog:  log.New(&errLog, "", 0),
		Handler: func(c net.Conn) {
			tc, ok := c.(*tls.Conn)
			state := "not TLS"
			if ok && tc.ConnectionState().HandshakeComplete {
				state = "handshake complete"
			} else if ok {
				state = "handshake pending"
			}
			mu.Lock()
			handled = append(handled, state)
			mu.Unlock()
			line, err := bufio.NewReader(c).ReadString('\n')
			if err == nil {
				c.Write([]byte("tls " + line))
			}
		},
	}
	result := serveInBackground(t, s)
	addr := s.LocalAddr().String()

	for i := range 2 {
		c, err := tls.Dial("tcp", addr, clientConf)
		if err != nil {
			t.Fatalf("tls.Dial = %v", err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("hello\n"))
		got, err := io.ReadAll(c)
		c.Close()
		if string(got) != "tls hello\n" || err != nil {
			t.Errorf("client %d: ReadAll = %q, %v; want \"tls hello\\n\", nil", i, got, err)
		}
	}

	plain, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	plain.SetDeadline(time.Now().Add(5 * time.Second))
	plain.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	io.ReadAll(plain) // the server answers with an alert and closes
	plain.Close()

	if err := s.Stop(time.Second); err != nil {
		t.Errorf("Stop = %v", err)
	}
	waitResult(t, "ServeForever", result)
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(handled, ",") != "handshake complete,handshake complete" {
		t.Errorf("handler saw %q; want two complete handshakes and no plain client", handled)
	}
	if got := errLog.String(); !strings.Contains(got, "server: TLS handshake from 127.0.0.1:") {
		t.Errorf("ErrorLog = %q; want the plain client's handshake error", got)
	}
}

// hubsOf returns the hubs of a started server.
func hubsOf(s *StreamServer) []*gevent.Hub {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hs []*gevent.Hub
	for _, w := range s.workers {
		hs = append(hs, w.hub)
	}
	return hs
}

// TestHubs: with Hubs 2 the server runs two hubs of its own, and every
// handler runs on one of them. Many connections from distinct source ports
// are spread by the kernel's SO_REUSEPORT hash over both listeners; with 64
// connections the chance that one hub gets them all is 2^-63.
func TestHubs(t *testing.T) {
	var mu sync.Mutex
	served := make(map[*gevent.Hub]int)
	s := &StreamServer{Addr: "127.0.0.1:0", Hubs: 2, Handler: func(c net.Conn) {
		mu.Lock()
		served[gevent.CurrentHub()]++
		mu.Unlock()
		echoHandler(c)
	}}
	result := serveInBackground(t, s)
	hubs := hubsOf(s)
	if len(hubs) != 2 || hubs[0] == hubs[1] || hubs[0] == nil {
		t.Fatalf("server hubs = %v; want 2 distinct hubs", hubs)
	}
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", s.LocalAddr().String())
			if err != nil {
				t.Errorf("Dial = %v", err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if got, err := roundTrip(c, "client "+strconv.Itoa(i)); got != "client "+strconv.Itoa(i) || err != nil {
				t.Errorf("echo = %q, %v; want %q", got, err, "client "+strconv.Itoa(i))
			}
		}()
	}
	wg.Wait()
	if err := s.Stop(time.Second); err != nil {
		t.Errorf("Stop = %v", err)
	}
	waitResult(t, "ServeForever", result)
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for h, k := range served {
		if h != hubs[0] && h != hubs[1] {
			t.Errorf("a handler ran on hub %p, which is not one of the server's %v", h, hubs)
		}
		total += k
	}
	if total != n {
		t.Errorf("handlers run = %d; want %d", total, n)
	}
	if served[hubs[0]] == 0 || served[hubs[1]] == 0 {
		t.Errorf("connections per hub = %d, %d; want both hubs to serve some", served[hubs[0]], served[hubs[1]])
	}
}

// TestStopHubs: with Hubs 2, Stop kills the handlers blocked on every hub.
func TestStopHubs(t *testing.T) {
	var mu sync.Mutex
	var errs []error
	started := make(chan struct{}, 16)
	s := &StreamServer{Addr: "127.0.0.1:0", Hubs: 2, Handler: func(c net.Conn) {
		started <- struct{}{}
		_, err := c.Read(make([]byte, 1))
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}}
	result := serveInBackground(t, s)
	const n = 8
	var conns []net.Conn
	for range n {
		c, err := net.Dial("tcp", s.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for range n {
		<-started
	}
	start := time.Now()
	if err := s.Stop(50 * time.Millisecond); err != nil {
		t.Errorf("Stop = %v; want nil", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 3*time.Second {
		t.Errorf("Stop took %v; want about 50ms", d)
	}
	if err := waitResult(t, "ServeForever", result); err != ErrServerClosed {
		t.Errorf("ServeForever = %v; want ErrServerClosed", err)
	}
	mu.Lock()
	if len(errs) != n {
		t.Errorf("handlers finished = %d; want %d", len(errs), n)
	}
	for _, err := range errs {
		if !errors.Is(err, gevent.ErrGreenletExit) {
			t.Errorf("handler Read = %v; want ErrGreenletExit", err)
		}
	}
	mu.Unlock()
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("client Read after Stop = %v; want EOF", err)
		}
	}
}

// TestStopAfterHubDestroyed: a server whose hub is gone (its gevent.Run
// returned without stopping it) can still be stopped: Stop returns.
func TestStopAfterHubDestroyed(t *testing.T) {
	s := &StreamServer{Addr: "127.0.0.1:0", Handler: echoHandler}
	run(t, func() {
		if err := s.Start(); err != nil {
			t.Fatalf("Start = %v", err)
		}
	})
	done := make(chan error, 1)
	go func() { done <- s.Stop(time.Second) }()
	if err := waitResult(t, "Stop", done); err != nil {
		t.Errorf("Stop = %v; want nil", err)
	}
	if c, err := net.Dial("tcp", s.LocalAddr().String()); err == nil {
		c.Close()
		t.Error("Dial after Stop succeeded; want connection refused")
	}
}
