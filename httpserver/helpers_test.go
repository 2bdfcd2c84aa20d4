package httpserver

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

// syncBuffer is a goroutine-safe bytes.Buffer for logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start serves srv on a hub of its own, on a free loopback port, and
// returns the address. The server is closed when the test ends.
func start(t testing.TB, srv *Server) string {
	t.Helper()
	if srv.ErrorLog == nil {
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		err := gevent.Run(func() {
			ln, err := socket.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				addr <- ""
				done <- err
				return
			}
			addr <- ln.Addr().String()
			done <- srv.Serve(ln)
		})
		if err != nil {
			done <- err
		}
	}()
	a := <-addr
	if a == "" {
		t.Fatal(<-done)
	}
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil && err != ErrServerClosed {
			t.Errorf("Serve: %v", err)
		}
	})
	return a
}

// client is a raw connection to a server under test.
type client struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

func (cl *client) send(s string) {
	cl.t.Helper()
	if _, err := io.WriteString(cl.c, s); err != nil {
		cl.t.Fatal(err)
	}
}

// response reads one response to a request with the given method.
func (cl *client) response(method string) (*http.Response, string) {
	cl.t.Helper()
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(cl.br, &http.Request{Method: method})
	if err != nil {
		cl.t.Fatalf("reading response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		cl.t.Fatalf("reading body: %v", err)
	}
	return resp, string(b)
}

// closed reports whether the server closed the connection (EOF or reset
// within 10 s, with no more bytes).
func (cl *client) closed() bool {
	cl.t.Helper()
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := cl.br.ReadByte()
	if err == nil {
		cl.t.Errorf("unexpected byte %q after the response", b)
		return false
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

// open reports whether the connection is still open: a read gets nothing
// for a short while.
func (cl *client) open() bool {
	cl.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err := cl.br.ReadByte()
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "Hello, World!")
}

func echoBody(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(599)
		return
	}
	w.Header().Set("X-Len", strings.Repeat("", 0)+itoa(len(b)))
	for k, v := range r.Trailer {
		w.Header().Set("X-Trailer-"+k, strings.Join(v, ","))
	}
	w.Write(b)
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }
