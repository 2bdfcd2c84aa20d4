// Command load is the load client of the echo comparison (bench/echo/run.sh). It has two modes.
//
// Ping-pong (the default): -conns connections, each driven by its own goroutine that writes
// -size bytes, reads the -size bytes echoed back (io.ReadFull), checks them and starts again,
// for -duration. Every round trip time goes into a log-linear histogram (128 sub-buckets per
// power of two, so a percentile is within 1/64 of the true value). When the time is up, each
// connection finishes the round trip in flight and closes; load then prints one JSON object:
//
//	{"conns":64,"size":64,"seconds":10.0,"roundtrips":…,"rtt_per_s":…,"p50_us":…,"p99_us":…,
//	 "p999_us":…,"max_us":…,"client_cpu_s":…}
//
// roundtrips counts every completed round trip, including those in flight at the deadline,
// so that it matches the server CPU time spent over the whole run; seconds is the time from
// the start signal until the last connection finished; client_cpu_s is the client's own CPU
// time (getrusage), which tells whether the client, rather than the server, was the bottleneck.
//
// Idle (-idle N): it opens N connections (64 dialers at a time), makes one 1-byte round trip
// on each so that the server has accepted it and started serving it, then leaves them silent
// and prints {"idle_conns":N,"seconds":…}. It holds them open until stdin reaches EOF or it
// gets SIGINT/SIGTERM, then exits. (Give it a stdin that stays open, e.g. a FIFO.)
//
// All connections set TCP_NODELAY (Go's default for TCP). load exits with status 1 and a
// message on stderr if a dial, read, write or echo check fails.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/bits"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/geventgo/gevent/bench/internal/idleconn"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", "echo server address")
	conns := flag.Int("conns", 64, "connections driven concurrently")
	size := flag.Int("size", 64, "bytes per message")
	duration := flag.Duration("duration", 10*time.Second, "how long to drive the connections")
	idle := flag.Int("idle", 0, "if > 0: open this many idle connections instead, and hold them")
	flag.Parse()

	var err error
	var held idleconn.Held
	if *idle > 0 {
		held, err = holdIdle(*addr, *idle)
	} else {
		err = pingPong(*addr, *conns, *size, *duration)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	if *idle > 0 {
		idleconn.WaitRelease()
		held.Close()
	}
}

// result is the JSON report of a ping-pong run.
type result struct {
	Conns      int     `json:"conns"`
	Size       int     `json:"size"`
	Seconds    float64 `json:"seconds"`
	Roundtrips uint64  `json:"roundtrips"`
	RTTPerS    float64 `json:"rtt_per_s"`
	P50us      float64 `json:"p50_us"`
	P99us      float64 `json:"p99_us"`
	P999us     float64 `json:"p999_us"`
	MaxUs      float64 `json:"max_us"`
	ClientCPU  float64 `json:"client_cpu_s"`
}

// pingPong drives conns connections for d and prints the result.
func pingPong(addr string, conns, size int, d time.Duration) error {
	if conns < 1 || size < 1 || d <= 0 {
		return fmt.Errorf("need -conns >= 1, -size >= 1 and -duration > 0")
	}
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := dial(addr)
		if err != nil {
			closeAll(cs)
			return err
		}
		cs[i] = c
	}

	var stop atomic.Bool
	hists := make([]histogram, conns)
	errs := make([]error, conns)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			<-start
			errs[i] = drive(c, size, &stop, &hists[i])
		}()
	}
	// The deadline guards against a server that stops answering: the run then fails.
	deadline := time.Now().Add(d + 30*time.Second)
	for _, c := range cs {
		c.SetDeadline(deadline)
	}
	t0 := time.Now()
	close(start)
	time.AfterFunc(d, func() { stop.Store(true) })
	wg.Wait()
	elapsed := time.Since(t0)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}

	var h histogram
	for i := range hists {
		h.merge(&hists[i])
	}
	r := result{
		Conns:      conns,
		Size:       size,
		Seconds:    round(elapsed.Seconds(), 3),
		Roundtrips: h.count,
		RTTPerS:    round(float64(h.count)/elapsed.Seconds(), 0),
		P50us:      round(h.quantile(0.50)/1e3, 1),
		P99us:      round(h.quantile(0.99)/1e3, 1),
		P999us:     round(h.quantile(0.999)/1e3, 1),
		MaxUs:      round(float64(h.max)/1e3, 1),
		ClientCPU:  round(cpuSeconds(), 3),
	}
	return printJSON(r)
}

// drive runs round trips on c until stop is set, recording each in h.
func drive(c net.Conn, size int, stop *atomic.Bool, h *histogram) error {
	msg := make([]byte, size)
	got := make([]byte, size)
	for i := range msg {
		msg[i] = byte('a' + i%26)
	}
	for n := 0; !stop.Load(); n++ {
		msg[0] = byte(n) // so that a stale or misrouted echo does not pass the check
		t := time.Now()
		if _, err := c.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, got); err != nil {
			return err
		}
		h.record(uint64(time.Since(t)))
		if !bytes.Equal(got, msg) {
			return fmt.Errorf("%v: echo mismatch: sent %q, got %q", c.LocalAddr(), msg, got)
		}
	}
	return nil
}

// cpuSeconds returns the user+system CPU time this process has used so far, in seconds; 0 if
// getrusage fails.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// holdIdle opens n connections, each checked with a 1-byte round trip, and prints the result.
// The connections stay open until the caller closes them.
func holdIdle(addr string, n int) (idleconn.Held, error) {
	held, err := idleconn.Hold(n, func() (net.Conn, error) { return dialChecked(addr) })
	if err != nil {
		return nil, fmt.Errorf("idle %w", err)
	}
	return held, nil
}

// dialChecked dials addr and makes one 1-byte round trip on the connection.
func dialChecked(addr string) (net.Conn, error) {
	c, err := dial(addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	b := []byte{'x'}
	if _, err := c.Write(b); err != nil {
		c.Close()
		return nil, err
	}
	if _, err := io.ReadFull(c, b); err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// dial opens a TCP connection to addr with TCP_NODELAY set.
func dial(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(true); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func closeAll(cs []net.Conn) {
	for _, c := range cs {
		if c != nil {
			c.Close()
		}
	}
}

func printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Printf("%s\n", b)
	return err
}

// round rounds x to the given number of decimals.
func round(x float64, decimals int) float64 {
	p := 1.0
	for range decimals {
		p *= 10
	}
	return float64(int64(x*p+0.5)) / p
}

// histogram is a log-linear histogram of nanosecond values: exact below 128, then 64 buckets
// per power of two, so a bucket's width is at most 1/64 of its lower bound. The zero value is
// empty and ready to use.
type histogram struct {
	counts [nBuckets]uint64
	count  uint64
	max    uint64
}

const (
	subBits  = 7                                  // 2^subBits exact values, then 2^(subBits-1) per octave
	half     = 1 << (subBits - 1)                 // buckets per octave
	nBuckets = 1<<subBits + (64-subBits)*half + 1 // covers every uint64
)

// bucket returns the index of v's bucket.
func bucket(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	shift := bits.Len64(v) - subBits // v>>shift is in [half, 2*half)
	return 1<<subBits + (shift-1)*half + int(v>>shift) - half
}

// bucketMid returns the middle of bucket i's value range.
func bucketMid(i int) float64 {
	if i < 1<<subBits {
		return float64(i)
	}
	j := i - 1<<subBits
	shift := j/half + 1
	lo := uint64(j%half+half) << shift
	return float64(lo) + float64(uint64(1)<<shift)/2
}

func (h *histogram) record(v uint64) {
	h.counts[bucket(v)]++
	h.count++
	h.max = max(h.max, v)
}

func (h *histogram) merge(o *histogram) {
	for i, n := range o.counts {
		h.counts[i] += n
	}
	h.count += o.count
	h.max = max(h.max, o.max)
}

// quantile returns the value below which a fraction q of the recorded values lie (the middle
// of the bucket holding the rank), capped at the maximum; 0 if the histogram is empty.
func (h *histogram) quantile(q float64) float64 {
	if h.count == 0 {
		return 0
	}
	rank := max(uint64(math.Ceil(q*float64(h.count))), 1) // nearest rank
	var seen uint64
	for i, n := range h.counts {
		seen += n
		if seen >= rank {
			return min(bucketMid(i), float64(h.max))
		}
	}
	return float64(h.max)
}
