package httpserver

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/local"
)

// TestBlockedHandlersDoNotStallOthers sends one request on each of many
// connections at once; every handler blocks until all of them have
// started. The loop finds the connections readable together and queues
// them for one runner, so each handler that blocks must leave the rest of
// the queue to another runner, or the others never start.
func TestBlockedHandlersDoNotStallOthers(t *testing.T) {
	const n = 16
	var arrived atomic.Int32
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		deadline := time.Now().Add(5 * time.Second)
		for arrived.Load() < n {
			if time.Now().After(deadline) {
				w.WriteHeader(http.StatusGatewayTimeout)
				return
			}
			if gevent.Sleep(time.Millisecond) != nil {
				return
			}
		}
		io.WriteString(w, "ok")
	})}
	addr := start(t, srv)
	cls := make([]*client, n)
	for i := range cls {
		cls[i] = dial(t, addr)
	}
	for _, cl := range cls {
		cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	}
	for i, cl := range cls {
		resp, body := cl.response("GET")
		if resp.StatusCode != http.StatusOK || body != "ok" {
			t.Errorf("connection %d: %d %q (%d handlers started)", i, resp.StatusCode, body, arrived.Load())
		}
	}
	// And again on the same connections, now keep-alive ones woken from idle.
	arrived.Store(0)
	for _, cl := range cls {
		cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	}
	for i, cl := range cls {
		resp, body := cl.response("GET")
		if resp.StatusCode != http.StatusOK || body != "ok" {
			t.Errorf("second request, connection %d: %d %q", i, resp.StatusCode, body)
		}
	}
}

// TestLocalsDoNotOutliveRequest checks that a greenlet-local value a
// handler sets is gone for the next request, whichever greenlet serves it:
// on new connections, keep-alive ones, pipelined requests, and concurrently.
func TestLocalsDoNotOutliveRequest(t *testing.T) {
	l := local.New[string](nil)
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := l.Get()
		l.Set(r.URL.Path)
		if r.URL.Path == "/sleep" {
			gevent.Sleep(10 * time.Millisecond)
		}
		fmt.Fprintf(w, "%v %q", ok, v)
	})}
	addr := start(t, srv)
	check := func(what, body string) {
		t.Helper()
		if body != `false ""` {
			t.Errorf("%s: handler saw %s, want an unset local", what, body)
		}
	}
	for i := range 3 {
		cl := dial(t, addr)
		cl.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n")
		_, body := cl.response("GET")
		check(fmt.Sprintf("connection %d", i), body)
		cl.send("GET /b HTTP/1.1\r\nHost: a\r\n\r\n")
		_, body = cl.response("GET")
		check(fmt.Sprintf("connection %d, keep-alive", i), body)
		cl.send("GET /c HTTP/1.1\r\nHost: a\r\n\r\nGET /d HTTP/1.1\r\nHost: a\r\n\r\n")
		_, body = cl.response("GET")
		check(fmt.Sprintf("connection %d, pipelined 1", i), body)
		_, body = cl.response("GET")
		check(fmt.Sprintf("connection %d, pipelined 2", i), body)
	}
	var wg sync.WaitGroup
	bodies := make([]string, 8)
	for i := range bodies {
		cl := dial(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl.send("GET /sleep HTTP/1.1\r\nHost: a\r\n\r\n")
			_, bodies[i] = cl.response("GET")
		}()
	}
	wg.Wait()
	for i, b := range bodies {
		check(fmt.Sprintf("concurrent %d", i), b)
	}
}
