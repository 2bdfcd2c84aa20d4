package httpserver

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
)

// BenchmarkServeHello measures a keep-alive request/response round trip of
// a ServeMux answering "Hello, World!" over loopback TCP, 8 clients at once
// (the client's CPU is included).
func BenchmarkServeHello(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", hello)
	addr := start(b, &Server{Handler: mux})
	req := []byte("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	// Learn the response's length once.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	c.Write(req)
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil || !bytes.HasSuffix(buf[:n], []byte("Hello, World!")) {
		b.Fatalf("%q %v", buf[:n], err)
	}
	c.Close()
	size := n
	const clients = 8
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N / clients
	for i := range clients {
		n := per
		if i == 0 {
			n += b.N % clients
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			buf := make([]byte, size)
			for range n {
				if _, err := c.Write(req); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
