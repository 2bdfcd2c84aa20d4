package httpserver

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
)

// TestIdleConnectionMemory holds many keep-alive connections idle after
// one request each and reports the live heap per connection.
func TestIdleConnectionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2,000 connections")
	}
	const n = 2000
	addr := start(t, &Server{Handler: http.HandlerFunc(hello)})
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	open := func(k int) {
		for range k {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			c.Write([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	runtime.MemProfileRate = 1
	open(50)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	open(n)
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Each connection also costs the client side here (a net.Conn, its
	// bufio.Reader): the figure is an upper bound for the server's part.
	perConn := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("live heap per idle connection, client side included: %.0f B", perConn)
	if f := os.Getenv("IDLE_HEAP_PROFILE"); f != "" {
		out, _ := os.Create(f)
		pprof.Lookup("heap").WriteTo(out, 0)
		out.Close()
	}
}
