// Command idle is the idle-connection client of the HTTP comparison (bench/http/run.sh
// --idle). It opens -conns keep-alive connections to -addr (64 dialers at a time), sends one
// "GET -path HTTP/1.1" request on each and reads the whole response (which must be a 200 that
// leaves the connection open), then leaves them silent and prints
//
//	{"idle_conns":N,"seconds":…}
//
// where seconds is the time the set-up took. It holds the connections open until stdin
// reaches EOF or it gets SIGINT/SIGTERM, then exits. (Give it a stdin that stays open, e.g. a
// FIFO.) It exits with status 1 and a message on stderr if a dial, request or response fails.
// Raise the open-file limit first (ulimit -n); Go raises its own soft limit to the hard one.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP server address")
	conns := flag.Int("conns", 10000, "idle connections to open and hold")
	path := flag.String("path", "/", "path of the one request on each connection")
	flag.Parse()

	if err := holdIdle(*addr, *path, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "idle:", err)
		os.Exit(1)
	}
	waitRelease()
}

// dialers is how many connections holdIdle sets up at a time.
const dialers = 64

// held keeps the idle connections open until exit.
var held []net.Conn

// holdIdle opens n connections, each after one request and its response, and prints the
// result. The connections stay open (referenced by held) until the process exits.
func holdIdle(addr, path string, n int) error {
	if n < 1 {
		return fmt.Errorf("need -conns >= 1")
	}
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench-idle\r\n\r\n")
	held = make([]net.Conn, n)
	t0 := time.Now()
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range min(dialers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := dialRequest(addr, req)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("connection %d: %w", i, err)
					}
					mu.Unlock()
					next.Store(int64(n)) // stop the others
					return
				}
				held[i] = c
			}
		}()
	}
	wg.Wait()
	if first != nil {
		for _, c := range held {
			if c != nil {
				c.Close()
			}
		}
		return first
	}
	b, err := json.Marshal(struct {
		IdleConns int     `json:"idle_conns"`
		Seconds   float64 `json:"seconds"`
	}{n, float64(time.Since(t0).Milliseconds()) / 1e3})
	if err != nil {
		return err
	}
	_, err = fmt.Printf("%s\n", b)
	return err
}

// dialRequest dials addr, writes req and reads the response, which must be a 200 with a body
// that is read to its end and a connection that stays open.
func dialRequest(addr string, req []byte) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
	case resp.StatusCode != http.StatusOK:
		err = fmt.Errorf("status %s, want 200 OK", resp.Status)
	case resp.Close:
		err = fmt.Errorf("the server closes the connection after the response")
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// waitRelease returns when stdin reaches EOF (or fails) or a SIGINT/SIGTERM arrives.
func waitRelease() {
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	}
}
