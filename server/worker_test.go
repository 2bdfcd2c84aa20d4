package server

import (
	"errors"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"golang.org/x/sys/unix"
)

// stopWithin calls Stop(timeout) in a greenlet and fails the test if it has
// not returned within limit.
func stopWithin(t *testing.T, s *StreamServer, timeout, limit time.Duration) {
	t.Helper()
	var err error
	g := gevent.Go(func() { err = s.Stop(timeout) })
	if g.JoinTimeout(limit); !g.Dead() {
		t.Fatalf("Stop(%v) did not return within %v", timeout, limit)
	}
	if err != nil {
		t.Errorf("Stop = %v; want nil", err)
	}
}

// TestPool: with Pool 2 and two handlers blocked, the server does not accept
// a third client (its handler does not start) until one of them returns.
// Stop with the pool still full then kills the handlers and returns; the
// client still waiting in the backlog is never served.
func TestPool(t *testing.T) {
	run(t, func() {
		b := startBlocking(t, 2)
		c1 := dialID(t, b.LocalAddr(), "1")
		defer c1.Close()
		b.waitEvents(t, 1)
		c2 := dialID(t, b.LocalAddr(), "2")
		defer c2.Close()
		b.waitEvents(t, 2)
		c3 := dialID(t, b.LocalAddr(), "3")
		defer c3.Close()
		// Give the loop many iterations to (wrongly) accept the third client.
		gevent.Sleep(100 * time.Millisecond)
		if ev, _ := b.snapshot(); strings.Join(ev, ",") != "start 1,start 2" {
			t.Fatalf("events with the pool full = %q; want [start 1 start 2]", ev)
		}
		c1.Write([]byte("x")) // handler 1 returns, which frees a slot
		want := "start 1,start 2,end,start 3"
		if ev := b.waitEvents(t, 4); strings.Join(ev, ",") != want {
			t.Errorf("events = %q; want %q", ev, want)
		}

		c4 := dialID(t, b.LocalAddr(), "4") // waits in the backlog: the pool is full
		defer c4.Close()
		gevent.Sleep(20 * time.Millisecond)
		stopWithin(t, b.StreamServer, 50*time.Millisecond, 5*time.Second)
		events, errs := b.snapshot()
		want = "start 1,start 2,end,start 3,end,end"
		if strings.Join(events, ",") != want {
			t.Errorf("events after Stop = %q; want %q", events, want)
		}
		if len(errs) != 3 || errs[0] != nil || !errors.Is(errs[1], gevent.ErrGreenletExit) || !errors.Is(errs[2], gevent.ErrGreenletExit) {
			t.Errorf("handler errors = %v; want [<nil> ErrGreenletExit ErrGreenletExit]", errs)
		}
		c4.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := c4.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("backlogged client Read = %d, %v; want 0 and EOF or a reset", n, err)
		}
		if _, err := io.ReadAll(c2); err != nil {
			t.Errorf("client 2 ReadAll = %v; want EOF", err)
		}
	})
}

// TestCloseWithFullPool: Close with the pool full returns at once and leaves
// the handlers running; ServeForever returns.
func TestCloseWithFullPool(t *testing.T) {
	run(t, func() {
		b := startBlocking(t, 1)
		c1 := dialID(t, b.LocalAddr(), "1")
		defer c1.Close()
		b.waitEvents(t, 1)
		if err := b.Close(); err != nil {
			t.Errorf("Close = %v; want nil", err)
		}
		var serveErr error
		g := gevent.Go(func() { serveErr = b.ServeForever() })
		if g.JoinTimeout(5 * time.Second); !g.Dead() || serveErr != ErrServerClosed {
			t.Fatalf("ServeForever after Close: dead %v, %v; want true, ErrServerClosed", g.Dead(), serveErr)
		}
		c1.Write([]byte("x"))
		if ev := b.waitEvents(t, 2); strings.Join(ev, ",") != "start 1,end" {
			t.Errorf("events = %q; want [start 1 end]", ev)
		}
		if _, errs := b.snapshot(); len(errs) != 1 || errs[0] != nil {
			t.Errorf("handler errors = %v; want [<nil>]: Close must not kill", errs)
		}
	})
}

// lineLog is an ErrorLog writer that keeps the lines; it is goroutine-safe.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// since returns the lines logged from index i on.
func (l *lineLog) since(i int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines[min(i, len(l.lines)):]...)
}

func (l *lineLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// waitLine waits until a line logged from index i on contains sub.
func (l *lineLog) waitLine(t *testing.T, i int, sub string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, s := range l.since(i) {
			if strings.Contains(s, sub) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q within 5s; lines: %q", sub, l.since(i))
		}
		time.Sleep(time.Millisecond)
	}
}

// TestEMFILE runs TestEMFILEChild in a subprocess, which lowers its own
// RLIMIT_NOFILE, once with the EMFILE trick (spare descriptor) and once
// with the back-off alone.
func TestEMFILE(t *testing.T) {
	if os.Getenv(emfileEnv) != "" {
		t.Skip("in the child")
	}
	for _, mode := range []string{"backoff", "spare"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestEMFILEChild$", "-test.v", "-test.count=1", "-test.timeout=60s")
			cmd.Env = append(os.Environ(), emfileEnv+"="+mode)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: TestEMFILEChild") {
				t.Fatalf("child (%s): %v\n%s", mode, err, out)
			}
			if testing.Verbose() {
				t.Logf("child output:\n%s", out)
			}
		})
	}
}

const emfileEnv = "SERVER_EMFILE_CHILD"

// fdFiller takes file descriptors until the process runs out.
type fdFiller struct{ fds []int }

// fill opens /dev/null until EMFILE.
func (f *fdFiller) fill(t *testing.T) {
	t.Helper()
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == unix.EMFILE {
			return
		}
		if err != nil {
			t.Fatalf("open /dev/null = %v", err)
		}
		f.fds = append(f.fds, fd)
	}
}

// free closes n descriptors, or all when n < 0.
func (f *fdFiller) free(n int) {
	if n < 0 || n > len(f.fds) {
		n = len(f.fds)
	}
	for _, fd := range f.fds[len(f.fds)-n:] {
		unix.Close(fd)
	}
	f.fds = f.fds[:len(f.fds)-n]
}

// dialExhausted frees one descriptor and dials with it, so that the
// server's accept for this client fails with EMFILE.
func (f *fdFiller) dialExhausted(t *testing.T, addr string) net.Conn {
	t.Helper()
	f.free(1)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("Dial with one free descriptor = %v", err)
	}
	return c
}

// hangUp closes c once the echo handler has closed its side, so that the
// server holds no descriptor for it any more.
func hangUp(t *testing.T, c net.Conn) {
	t.Helper()
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Errorf("ReadAll until the server closes = %v; want nil (EOF)", err)
	}
	c.Close()
}

func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestEMFILEChild runs in the subprocess started by TestEMFILE. With the
// descriptors exhausted it checks that the server does not spin (its CPU
// time over 0.5 s stays under 100 ms) and, in "spare" mode, that a waiting
// client sees its connection closed at once, or in "backoff" mode that the
// delays double from 5 ms and the client waits; then it frees the
// descriptors and checks that clients are served again and that the delay
// was reset.
func TestEMFILEChild(t *testing.T) {
	mode := os.Getenv(emfileEnv)
	if mode == "" {
		t.Skip("run by TestEMFILE in a subprocess")
	}
	emfileTrick = mode == "spare"
	logs := &lineLog{}
	s := &StreamServer{Addr: "127.0.0.1:0", ErrorLog: log.New(logs, "", 0), Handler: echoHandler}
	result := serveInBackground(t, s)
	addr := s.LocalAddr().String()
	served := func(c net.Conn, msg string) {
		t.Helper()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if got, err := roundTrip(c, msg); got != msg || err != nil {
			t.Errorf("echo = %q, %v; want %q, nil", got, err, msg)
		}
	}
	warm, err := net.Dial("tcp", addr) // sets up the runtime's poller before the limit
	if err != nil {
		t.Fatal(err)
	}
	served(warm, "warm up")
	hangUp(t, warm)

	probe, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(probe)
	lim := nofileLimit(uint64(probe) + 64)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("setrlimit = %v", err)
	}
	var f fdFiller
	defer f.free(-1)
	f.fill(t)

	mark, markTime := logs.len(), time.Now()
	a := f.dialExhausted(t, addr)
	defer a.Close()
	logs.waitLine(t, mark, "too many open files")
	switch mode {
	case "spare":
		a.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := a.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("shed client Read = %d, %v; want 0, EOF at once", n, err)
		}
		logs.waitLine(t, mark, "closed 1 pending connection(s)")
		// The spare was taken back: a second waiting client is shed too.
		mark = logs.len()
		a2 := f.dialExhausted(t, addr)
		defer a2.Close()
		a2.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := a2.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("second shed client Read = %d, %v; want 0, EOF", n, err)
		}
		logs.waitLine(t, mark, "closed 1 pending connection(s)")
	case "backoff":
		// The client waits in the backlog while the server backs off.
		a.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		a.Write([]byte("a"))
		if _, err := a.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("client Read while the server is out of descriptors = %v; want a timeout", err)
		}
	}

	cpu0, wall0 := cpuTime(t), time.Now()
	time.Sleep(500 * time.Millisecond)
	cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
	t.Logf("%s: CPU %v over %v out of descriptors", mode, cpu, wall)
	if cpu > 100*time.Millisecond {
		t.Errorf("CPU time over %v out of descriptors = %v; want < 100ms (no spinning)", wall, cpu)
	}
	if mode == "backoff" {
		want := []string{"5ms", "10ms", "20ms", "40ms", "80ms"}
		for deadline := time.Now().Add(10 * time.Second); logs.len()-mark < len(want) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		// A server that backs off logs once, then once after each delay: no
		// more lines than the delays that fit in the time since mark allow.
		lines, elapsed := logs.since(mark), time.Since(markTime)
		most := 1
		for d, sum := minDelay, minDelay; sum <= elapsed; d, sum = nextDelay(d), sum+nextDelay(d) {
			most++
		}
		if len(lines) < len(want) || len(lines) > most+2 {
			t.Errorf("accept errors logged in %v: %q; want %d to %d (5ms, 10ms, 20ms... back-off)",
				elapsed, lines, len(want), most+2)
		}
		for i := range min(len(lines), len(want)) {
			if !strings.HasSuffix(lines[i], "retrying in "+want[i]) {
				t.Errorf("log line %d = %q; want it to end with \"retrying in %s\"", i, lines[i], want[i])
			}
		}
	}

	// Descriptors free up: clients are served again.
	f.free(-1)
	if mode == "backoff" {
		a.SetReadDeadline(time.Now().Add(5 * time.Second))
		if got, err := io.ReadAll(io.LimitReader(a, 1)); string(got) != "a" || err != nil {
			t.Errorf("waiting client echo after recovery = %q, %v; want \"a\", nil", got, err)
		}
	}
	b, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	served(b, "recovered")
	hangUp(t, b)

	if mode == "backoff" {
		// A success reset the delay: the next episode starts at 5 ms again.
		f.fill(t)
		mark = logs.len()
		c := f.dialExhausted(t, addr)
		defer c.Close()
		logs.waitLine(t, mark, "too many open files")
		if l := logs.since(mark)[0]; !strings.HasSuffix(l, "retrying in 5ms") {
			t.Errorf("first accept error after a success = %q; want the delay reset to 5ms", l)
		}
		f.free(-1)
		served(c, "again")
	}

	if err := s.Stop(time.Second); err != nil {
		t.Errorf("Stop = %v", err)
	}
	waitResult(t, "ServeForever", result)
}

func TestNextDelay(t *testing.T) {
	tests := []struct{ d, want time.Duration }{
		{0, 5 * time.Millisecond},
		{5 * time.Millisecond, 10 * time.Millisecond},
		{320 * time.Millisecond, 640 * time.Millisecond},
		{640 * time.Millisecond, time.Second},
		{time.Second, time.Second},
	}
	for _, tt := range tests {
		if got := nextDelay(tt.d); got != tt.want {
			t.Errorf("nextDelay(%v) = %v; want %v", tt.d, got, tt.want)
		}
	}
}
