package httpserver

import (
	"fmt"
	"io"
	"net/http"
	"strings"
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

// TestResponseHeaderNotCarriedOver: the connection reuses its response
// header map, and no field of one response shows up in the next, whatever
// the handler did with the map (fields added after the header went out,
// many fields, a deleted one).
func TestResponseHeaderNotCarriedOver(t *testing.T) {
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if got := len(h); got != 0 {
			t.Errorf("%s: handler got a header map with %d fields: %v", r.URL.Path, got, h)
		}
		switch r.URL.Path {
		case "/one":
			h.Set("X-One", "1")
		case "/late":
			h.Set("X-Early", "1")
			io.WriteString(w, "x")
			w.(http.Flusher).Flush()
			h.Set("X-Late", "1")
			h.Del("X-Early")
		case "/many":
			for i := range 12 {
				h.Set(fmt.Sprintf("X-F%d", i), "v")
			}
		case "/swap":
			h.Set("X-A", "1")
			io.WriteString(w, "x")
			w.(http.Flusher).Flush()
			h.Del("X-A")
			h.Set("X-B", "1")
		}
		io.WriteString(w, "ok")
	})}
	addr := start(t, srv)
	paths := []string{"/one", "/plain", "/late", "/plain", "/many", "/plain", "/swap", "/plain", "/one", "/one"}
	// Pipelined, so that the connection keeps its buffers (and map) from
	// one request to the next, and one by one, going idle in between.
	pipelined := dial(t, addr)
	var all strings.Builder
	for _, p := range paths {
		all.WriteString("GET " + p + " HTTP/1.1\r\nHost: a\r\n\r\n")
	}
	pipelined.send(all.String())
	checkHeaders(t, pipelined, paths)
	cl := dial(t, addr)
	for _, p := range paths {
		cl.send("GET " + p + " HTTP/1.1\r\nHost: a\r\n\r\n")
		checkHeaders(t, cl, []string{p})
	}
}

func checkHeaders(t *testing.T, cl *client, paths []string) {
	t.Helper()
	for _, p := range paths {
		resp, _ := cl.response("GET")
		for k := range resp.Header {
			want := k == "Date" || k == "Content-Type" || k == "Content-Length" || k == "Transfer-Encoding" ||
				p == "/one" && k == "X-One" || p == "/late" && k == "X-Early" || p == "/swap" && k == "X-A" ||
				p == "/many" && strings.HasPrefix(k, "X-F")
			if !want {
				t.Errorf("%s: response has %s: %q", p, k, resp.Header[k])
			}
		}
	}
}
