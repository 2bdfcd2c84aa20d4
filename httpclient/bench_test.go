package httpclient_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/httpclient"
)

// BenchmarkHTTPClientGet: GETs of a 13-byte body from a local net/http
// server over keep-alive connections, by 1 and by 64 greenlets of one hub
// through httpclient, and by 64 goroutines through net/http.Client itself,
// in one run. ns/op is per request over the whole run (wall time / N);
// cpu-ns/op is the process's CPU time (user + system, client and server)
// per request, which a machine shared with other work disturbs less.
func BenchmarkHTTPClientGet(b *testing.B) {
	hello := []byte("Hello, World!")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	}))
	defer srv.Close()
	newTransport := func() *http.Transport {
		return &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	}
	// get makes one request; it reports a failure with b.Error (b.Fatal
	// may not be called from a greenlet or another goroutine).
	get := func(b *testing.B, do func() (*http.Response, error), buf []byte) bool {
		resp, err := do()
		if err != nil {
			b.Error(err)
			return false
		}
		defer resp.Body.Close()
		n, err := io.ReadFull(resp.Body, buf[:len(hello)])
		if err != nil || n != len(hello) {
			b.Errorf("body: %d bytes, %v", n, err)
			return false
		}
		if n, err := resp.Body.Read(buf); n != 0 || err != io.EOF {
			b.Errorf("after the body: %d bytes, %v; want io.EOF", n, err)
			return false
		}
		return true
	}
	greenlets := func(n int) func(b *testing.B) {
		return func(b *testing.B) {
			tr := newTransport()
			defer tr.CloseIdleConnections()
			c := &httpclient.Client{HTTP: &http.Client{Transport: tr}}
			b.ReportAllocs()
			var left atomic.Int64
			left.Store(int64(b.N))
			defer reportCPU(b)()
			gevent.Run(func() {
				gs := make([]*gevent.Greenlet[struct{}], n)
				b.ResetTimer()
				for i := range gs {
					gs[i] = gevent.Go(func() {
						buf := make([]byte, 512)
						do := func() (*http.Response, error) { return c.Get(srv.URL) }
						for left.Add(-1) >= 0 && get(b, do, buf) {
						}
					})
				}
				gevent.JoinAll(gs)
				b.StopTimer()
			})
		}
	}
	b.Run("httpclient/greenlets=1", greenlets(1))
	b.Run("httpclient/greenlets=64", greenlets(64))
	b.Run("net-http/goroutines=64", func(b *testing.B) {
		tr := newTransport()
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr}
		b.ReportAllocs()
		var left atomic.Int64
		left.Store(int64(b.N))
		var wg sync.WaitGroup
		defer reportCPU(b)()
		b.ResetTimer()
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 512)
				do := func() (*http.Response, error) { return c.Get(srv.URL) }
				for left.Add(-1) >= 0 && get(b, do, buf) {
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
	})
}

// reportCPU starts measuring the process's CPU time; the function it
// returns reports it per op as cpu-ns/op.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}
