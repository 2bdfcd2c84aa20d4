// Package idleconn is the idle-connection holder the comparison clients share (bench/echo/load
// -idle, bench/http/idle): it opens many connections, each checked by one exchange, reports
// how long that took as one JSON line, and holds them until released. bench/lib.sh's hold_idle
// drives a client built on it.
package idleconn

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Dialers is how many connections Hold sets up at a time.
const Dialers = 64

// Held is a set of open connections; keep it referenced for as long as they are to stay open.
type Held []net.Conn

// Close closes every connection of h.
func (h Held) Close() {
	for _, c := range h {
		if c != nil {
			c.Close()
		}
	}
}

// Hold opens n connections with dial (which sets each one up and checks it), Dialers at a
// time, and prints {"idle_conns":n,"seconds":…} on stdout, seconds being the time the set-up
// took (to the millisecond). On the first failure it stops the others, closes what it opened
// and returns "connection I: <the error>".
func Hold(n int, dial func() (net.Conn, error)) (Held, error) {
	if n < 1 {
		return nil, fmt.Errorf("need at least 1 connection, got %d", n)
	}
	held := make(Held, n)
	t0 := time.Now()
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range min(Dialers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := dial()
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
		})
	}
	wg.Wait()
	if first != nil {
		held.Close()
		return nil, first
	}
	b, err := json.Marshal(struct {
		IdleConns int     `json:"idle_conns"`
		Seconds   float64 `json:"seconds"`
	}{n, float64(time.Since(t0).Milliseconds()) / 1e3})
	if err == nil {
		_, err = fmt.Printf("%s\n", b)
	}
	if err != nil {
		held.Close()
		return nil, err
	}
	return held, nil
}

// WaitRelease returns when stdin reaches EOF (or fails) or a SIGINT/SIGTERM arrives.
func WaitRelease() {
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
