//go:build unix

package socket_test

// Tests of the descriptor protocol every socket type shares (fd.go): close,
// concurrent use, interrupts by Kill and Timeout, deadlines, and use from
// plain goroutines and other hubs.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

// socketpair returns a connected pair owned by the caller's hub; the test's
// cleanup closes both (a second Close is harmless).
func socketpair(t *testing.T) (*socket.Conn, *socket.Conn) {
	t.Helper()
	a, b, err := socket.Socketpair()
	if err != nil {
		t.Fatalf("Socketpair: %v", err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// streamPair returns a connected client and server on network, owned by the
// caller's hub.
func streamPair(t *testing.T, network, addr string) (client, server *socket.Conn) {
	t.Helper()
	ln, err := socket.Listen(network, addr)
	if err != nil {
		t.Fatalf("Listen(%q, %q): %v", network, addr, err)
	}
	defer ln.Close()
	acc := gevent.Spawn(ln.AcceptConn)
	client, err = socket.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	server, err = acc.Get()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// startTicker spawns a greenlet that counts its runs, the first when it
// starts and then one after each 1 ms sleep, until stopped, to show that the
// hub kept running other greenlets. Spawned just before a call that blocks,
// it starts when the call parks: the hub runs new greenlets before it looks
// at timers, so its first tick comes before any timeout fires.
func startTicker() (ticks *atomic.Int64, stop func()) {
	ticks = new(atomic.Int64)
	g := gevent.Go(func() {
		for {
			ticks.Add(1)
			if gevent.Sleep(time.Millisecond) != nil {
				return
			}
		}
	})
	return ticks, func() { g.Kill() }
}

// waitTicks sleeps until the ticker has run n times.
func waitTicks(ticks *atomic.Int64, n int64) {
	for ticks.Load() < n {
		gevent.Sleep(time.Millisecond)
	}
}

// bigWrite is larger than any socket buffer, so that writing it blocks
// until the peer reads.
var bigWrite = make([]byte, 16<<20)

func TestCloseWakesBlocked(t *testing.T) {
	closers := []struct {
		name  string
		close func(t *testing.T, c *socket.Conn)
	}{
		{"greenlet", func(t *testing.T, c *socket.Conn) {
			gevent.Go(func() { c.Close() }).Join()
		}},
		{"goroutine", func(t *testing.T, c *socket.Conn) {
			done := make(chan struct{})
			go func() { c.Close(); close(done) }()
			<-done
		}},
		{"other hub", func(t *testing.T, c *socket.Conn) {
			startHub(t).do(func() { c.Close() })
		}},
	}
	ops := []struct {
		name string
		op   func(c *socket.Conn) error
	}{
		{"Read", func(c *socket.Conn) error { _, err := c.Read(make([]byte, 10)); return err }},
		{"Write", func(c *socket.Conn) error { _, err := c.Write(bigWrite); return err }},
	}
	for _, cl := range closers {
		for _, op := range ops {
			t.Run(op.name+"/"+cl.name, func(t *testing.T) {
				gevent.Run(func() {
					a, _ := socketpair(t)
					var err error
					g := gevent.Go(func() { err = op.op(a) })
					gevent.Sleep(0) // g runs until it parks in op
					if g.Ready() {
						t.Fatalf("%s returned before Close: %v", op.name, err)
					}
					cl.close(t, a)
					g.Join()
					if !errors.Is(err, net.ErrClosed) {
						t.Errorf("%s after Close = %v; want net.ErrClosed", op.name, err)
					}
					var oe *net.OpError
					if !errors.As(err, &oe) || oe.Op != map[string]string{"Read": "read", "Write": "write"}[op.name] {
						t.Errorf("%s error %v is not a *net.OpError of the operation", op.name, err)
					}
				})
			})
		}
	}
}

func TestDoubleClose(t *testing.T) {
	gevent.Run(func() {
		a, _ := socketpair(t)
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []io.Closer{a, ln, pc} {
			if err := c.Close(); err != nil {
				t.Errorf("%T first Close = %v; want nil", c, err)
			}
			if err := c.Close(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("%T second Close = %v; want net.ErrClosed", c, err)
			}
		}
		if _, err := a.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read after Close = %v; want net.ErrClosed", err)
		}
		if _, err := a.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Write after Close = %v; want net.ErrClosed", err)
		}
		if err := a.SetDeadline(time.Now()); !errors.Is(err, net.ErrClosed) {
			t.Errorf("SetDeadline after Close = %v; want net.ErrClosed", err)
		}
		if err := a.CloseWrite(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("CloseWrite after Close = %v; want net.ErrClosed", err)
		}
		if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close = %v; want net.ErrClosed", err)
		}
		if _, _, err := pc.ReadFrom(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("ReadFrom after Close = %v; want net.ErrClosed", err)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	gevent.Run(func() {
		a, b := socketpair(t)
		reader := gevent.Spawn(func() (string, error) {
			buf := make([]byte, 10)
			n, err := a.Read(buf)
			return string(buf[:n]), err
		})
		gevent.Sleep(0) // reader parks in Read
		var cue *gevent.ConcurrentUseError
		_, err := a.Read(make([]byte, 10))
		if !errors.As(err, &cue) || cue.Op != "read" {
			t.Errorf("second Read = %v; want a *gevent.ConcurrentUseError for read", err)
		}
		// The other direction is free while the reader waits.
		if n, err := a.Write([]byte("to b")); n != 4 || err != nil {
			t.Errorf("Write while another greenlet reads = %d, %v; want 4, nil", n, err)
		}
		if _, err := b.Write([]byte("to a")); err != nil {
			t.Fatal(err)
		}
		if got, err := reader.Get(); got != "to a" || err != nil {
			t.Errorf("first Read = %q, %v; want \"to a\", nil", got, err)
		}

		writer := gevent.Spawn(func() (int, error) { return b.Write(bigWrite) })
		gevent.Sleep(0) // writer parks with a full buffer
		_, err = b.Write([]byte("x"))
		if !errors.As(err, &cue) || cue.Op != "write" {
			t.Errorf("second Write = %v; want a *gevent.ConcurrentUseError for write", err)
		}
		got := make([]byte, len(bigWrite))
		if _, err := io.ReadFull(b, got[:4]); err != nil || string(got[:4]) != "to b" {
			t.Errorf("b read %q, %v; want \"to b\", nil", got[:4], err)
		}
		if _, err := io.ReadFull(a, got); err != nil || !bytes.Equal(got, bigWrite) {
			t.Fatalf("ReadFull = %v (equal %v); want the blocked write's bytes", err, bytes.Equal(got, bigWrite))
		}
		if n, err := writer.Get(); n != len(bigWrite) || err != nil {
			t.Errorf("blocked Write = %d, %v; want %d, nil", n, err, len(bigWrite))
		}
	})
}

// blockingCalls lists blocking calls of every socket type. setup prepares
// one in the running hub (outside any timed region) and returns the call.
var blockingCalls = []struct {
	name  string
	setup func(t *testing.T) func() error
}{
	{"Conn.Read", func(t *testing.T) func() error {
		a, _ := socketpair(t)
		return func() error { _, err := a.Read(make([]byte, 1)); return err }
	}},
	{"Conn.Write", func(t *testing.T) func() error {
		a, _ := socketpair(t)
		return func() error { _, err := a.Write(bigWrite); return err }
	}},
	{"Listener.Accept", func(t *testing.T) func() error {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		return func() error { _, err := ln.Accept(); return err }
	}},
	{"PacketConn.ReadFrom", func(t *testing.T) func() error {
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		return func() error { _, _, err := pc.ReadFrom(make([]byte, 10)); return err }
	}},
	{"Dial", func(t *testing.T) func() error {
		addr := fullListener(t)
		return func() error {
			c, err := socket.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err
		}
	}},
	{"WaitRead", func(t *testing.T) func() error {
		r, _ := pipe(t)
		return func() error { return socket.WaitRead(r, -1) }
	}},
}

func TestInterruptByTimeout(t *testing.T) {
	for _, tc := range blockingCalls {
		t.Run(tc.name, func(t *testing.T) {
			gevent.Run(func() {
				op := tc.setup(t)
				ticks, stop := startTicker()
				defer stop()
				to := gevent.NewTimeout(30*time.Millisecond, nil)
				to.Start()
				start := time.Now()
				err := op()
				to.Cancel()
				if !errors.Is(err, to) || !errors.Is(err, gevent.ErrTimeout) {
					t.Errorf("%s = %v; want the Timeout", tc.name, err)
				}
				if d := time.Since(start); d < 25*time.Millisecond {
					t.Errorf("%s returned after %v; want 30ms or more", tc.name, d)
				}
				if n := ticks.Load(); n < 1 {
					t.Errorf("ticker ran %d times while %s waited; want >= 1", n, tc.name)
				}
				// WithTimeout gives the same kind of error to the scoped call.
				err = gevent.WithTimeout(10*time.Millisecond, op)
				if !errors.Is(err, gevent.ErrTimeout) {
					t.Errorf("WithTimeout(%s) = %v; want a Timeout", tc.name, err)
				}
			})
		})
	}
}

func TestInterruptByKill(t *testing.T) {
	for _, tc := range blockingCalls {
		t.Run(tc.name, func(t *testing.T) {
			gevent.Run(func() {
				op := tc.setup(t)
				ticks, stop := startTicker()
				defer stop()
				var opErr error
				g := gevent.Go(func() { opErr = op() })
				waitTicks(ticks, 3) // g parked in op at once; the hub ran the ticker since
				if g.Ready() {
					t.Fatalf("%s returned before Kill: %v", tc.name, opErr)
				}
				g.Kill()
				if !errors.Is(opErr, gevent.ErrGreenletExit) {
					t.Errorf("%s after Kill = %v; want ErrGreenletExit", tc.name, opErr)
				}
			})
		})
	}
}

func TestInterruptKeepsConnUsable(t *testing.T) {
	gevent.Run(func() {
		a, b := socketpair(t)
		err := gevent.WithTimeout(10*time.Millisecond, func() error {
			_, err := a.Read(make([]byte, 1))
			return err
		})
		if !errors.Is(err, gevent.ErrTimeout) {
			t.Fatalf("Read = %v; want a Timeout", err)
		}
		b.Write([]byte("after"))
		buf := make([]byte, 10)
		if n, err := a.Read(buf); string(buf[:n]) != "after" || err != nil {
			t.Errorf("Read after the timeout = %q, %v; want \"after\", nil", buf[:n], err)
		}
	})
}

func TestDeadlines(t *testing.T) {
	past := time.Now().Add(-time.Second)
	for _, tc := range []struct {
		name string
		run  func(a, b *socket.Conn) (time.Duration, error) // returns its wait
		want error
	}{
		{"read deadline in the past", func(a, b *socket.Conn) (time.Duration, error) {
			a.SetReadDeadline(past)
			_, err := a.Read(make([]byte, 1))
			return 0, err
		}, os.ErrDeadlineExceeded},
		{"write deadline in the past", func(a, b *socket.Conn) (time.Duration, error) {
			a.SetWriteDeadline(past)
			_, err := a.Write([]byte("x"))
			return 0, err
		}, os.ErrDeadlineExceeded},
		{"write deadline with a full buffer", func(a, b *socket.Conn) (time.Duration, error) {
			a.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
			n, err := a.Write(bigWrite)
			if n == 0 || n == len(bigWrite) {
				return 0, fmt.Errorf("wrote %d bytes; want a part", n)
			}
			return 200 * time.Millisecond, err
		}, os.ErrDeadlineExceeded},
		{"SetDeadline covers reads", func(a, b *socket.Conn) (time.Duration, error) {
			a.SetDeadline(time.Now().Add(20 * time.Millisecond))
			_, err := a.Read(make([]byte, 1))
			return 20 * time.Millisecond, err
		}, os.ErrDeadlineExceeded},
		{"write deadline leaves reads alone", func(a, b *socket.Conn) (time.Duration, error) {
			a.SetWriteDeadline(past)
			b.Write([]byte("x"))
			_, err := a.Read(make([]byte, 1))
			return 0, err
		}, nil},
		{"deadline extended while blocked", func(a, b *socket.Conn) (time.Duration, error) {
			a.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			gevent.Go(func() { // runs once the Read below has parked
				a.SetReadDeadline(time.Now().Add(time.Hour))
				gevent.Sleep(120 * time.Millisecond)
				b.Write([]byte("late"))
			})
			_, err := a.Read(make([]byte, 4))
			return 120 * time.Millisecond, err
		}, nil},
		{"deadline removed while blocked", func(a, b *socket.Conn) (time.Duration, error) {
			a.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			gevent.Go(func() { // runs once the Read below has parked
				a.SetReadDeadline(time.Time{})
				gevent.Sleep(120 * time.Millisecond)
				b.Write([]byte("late"))
			})
			_, err := a.Read(make([]byte, 4))
			return 120 * time.Millisecond, err
		}, nil},
		{"deadline moved into the past from a goroutine", func(a, b *socket.Conn) (time.Duration, error) {
			go func() { time.Sleep(10 * time.Millisecond); a.SetReadDeadline(past) }()
			_, err := a.Read(make([]byte, 4))
			return 10 * time.Millisecond, err
		}, os.ErrDeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gevent.Run(func() {
				a, b := socketpair(t)
				start := time.Now()
				wait, err := tc.run(a, b)
				d := time.Since(start)
				if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
					t.Fatalf("err = %v; want %v", err, tc.want)
				}
				var ne net.Error
				if tc.want != nil && (!errors.As(err, &ne) || !ne.Timeout()) {
					t.Errorf("error %v is not a net.Error with Timeout()", err)
				}
				if d < wait*3/4 || d > wait+10*time.Second {
					t.Errorf("returned after %v; want about %v", d, wait)
				}
			})
		})
	}
}

// TestSharedAcrossGoroutines uses one socket pair, owned by a hub running on
// its own goroutine, from many plain goroutines (writers, deadline setters)
// and from a greenlet of another hub (the reader); -race checks the rest.
func TestSharedAcrossGoroutines(t *testing.T) {
	const writers, msgs, size = 8, 200, 64
	owner := startHub(t)
	var a, b *socket.Conn
	owner.do(func() {
		var err error
		if a, b, err = socket.Socketpair(); err != nil {
			t.Error(err)
		}
	})
	if a == nil {
		return
	}
	defer a.Close()

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range msgs {
				msg := fmt.Sprintf("%d %d", w, i)
				msg += string(bytes.Repeat([]byte{'.'}, size-1-len(msg))) + "\n"
				if _, err := a.Write([]byte(msg)); err != nil {
					t.Errorf("writer %d: Write = %v", w, err)
					return
				}
			}
		})
	}
	stopDeadlines := make(chan struct{})
	var dl sync.WaitGroup
	for range 4 {
		dl.Go(func() {
			for {
				select {
				case <-stopDeadlines:
					return
				default:
				}
				a.SetDeadline(time.Now().Add(time.Hour))
				b.SetReadDeadline(time.Now().Add(time.Hour))
				b.SetWriteDeadline(time.Time{})
				runtimeYield()
			}
		})
	}

	// The reader is a greenlet of another hub.
	counts := make([]int, writers)
	var readErr error
	readerHub := startHub(t)
	readerHub.do(func() {
		buf := make([]byte, size)
		for range writers * msgs {
			if _, err := io.ReadFull(b, buf); err != nil {
				readErr = err
				return
			}
			var w, i int
			if _, err := fmt.Sscanf(string(buf), "%d %d", &w, &i); err != nil || buf[size-1] != '\n' {
				readErr = fmt.Errorf("torn message %q", buf)
				return
			}
			if i != counts[w] {
				readErr = fmt.Errorf("writer %d: message %d after %d", w, i, counts[w]-1)
				return
			}
			counts[w]++
		}
	})
	wg.Wait()
	close(stopDeadlines)
	dl.Wait()
	if readErr != nil {
		t.Fatalf("reader: %v", readErr)
	}

	// Close from a plain goroutine wakes the other hub's blocked reader.
	done := make(chan error, 1)
	go readerHub.do(func() {
		_, err := b.Read(make([]byte, 1))
		done <- err
	})
	time.Sleep(10 * time.Millisecond) // the reader may or may not be parked yet
	if err := b.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	wantClosed(t, done, "the reader of another hub")
}

// TestCloseRacesOperations closes a socket while plain goroutines and
// greenlets of two hubs read and write it: every operation ends, none
// panics, and the errors are net.ErrClosed.
func TestCloseRacesOperations(t *testing.T) {
	for round := range 20 {
		owner := startHub(t)
		var a, b *socket.Conn
		owner.do(func() { a, b, _ = socket.Socketpair() })
		errs := make(chan error, 8)
		for i := range 4 {
			go func() {
				var err error
				for err == nil {
					if i%2 == 0 {
						_, err = a.Write([]byte("ping"))
					} else {
						_, err = a.Read(make([]byte, 64))
					}
				}
				errs <- err
			}()
		}
		go owner.do(func() {
			gevent.Go(func() { io.Copy(io.Discard, b) })
			_, err := io.Copy(b, bytes.NewReader(bigWrite[:1<<20]))
			errs <- err
		})
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		a.Close()
		for range 5 {
			select {
			case err := <-errs:
				if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, os.ErrDeadlineExceeded) &&
					!isPeerGone(err) {
					t.Errorf("round %d: operation ended with %v; want net.ErrClosed", round, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("round %d: an operation did not end after Close", round)
			}
		}
		b.Close()
	}
}

// isPeerGone reports the errors of a socket whose peer was closed.
func isPeerGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// runtimeYield lets other goroutines run between deadline changes.
func runtimeYield() { time.Sleep(50 * time.Microsecond) }

// wantClosed waits up to 5 s for the error of an operation that Close
// should have ended (who names it) and checks that it is net.ErrClosed.
func wantClosed(t *testing.T, errc <-chan error, who string) {
	t.Helper()
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s: error after Close = %v; want net.ErrClosed", who, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Close did not wake %s", who)
	}
}

// withinDeadline runs fn on its own goroutine and fails the test if it has
// not returned after 5 s (a hub that never stops would hang the test).
func withinDeadline(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("did not return within 5 s")
	}
}

// TestWaitKeepsHubAlive: a greenlet blocked in Read keeps Hub.Join running
// until the data comes; a connection nobody waits on does not keep it
// running afterwards, although its read watcher stays registered.
func TestWaitKeepsHubAlive(t *testing.T) {
	withinDeadline(t, func() {
		err := gevent.Run(func() {
			a, z, err := socket.Socketpair()
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			defer z.Close()
			b := make([]byte, 16)
			read := func() (string, error) {
				n, err := a.Read(b)
				return string(b[:n]), err
			}
			// A first wait, so that the second one finds the watcher set up.
			early := gevent.Spawn(read)
			gevent.Sleep(0)
			z.Write([]byte("early"))
			if v, err := early.Get(); v != "early" || err != nil {
				t.Fatalf("Read = %q, %v; want early, nil", v, err)
			}
			g := gevent.Spawn(read)
			gevent.Sleep(0) // g blocks in Read
			go func() {
				time.Sleep(20 * time.Millisecond)
				z.Write([]byte("late"))
			}()
			if err := gevent.CurrentHub().Join(); err != nil {
				t.Fatalf("Join = %v", err)
			}
			if !g.Ready() {
				t.Fatal("Join returned while a greenlet was blocked in Read")
			}
			if v, err := g.Get(); v != "late" || err != nil {
				t.Errorf("Read = %q, %v; want late, nil", v, err)
			}
			// Nobody waits now: Join must return although a is open.
			if err := gevent.CurrentHub().Join(); err != nil {
				t.Fatalf("second Join = %v", err)
			}
		})
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	})
}

// TestReadinessWhileBusy: data that arrives while the reader is busy
// elsewhere (after a short read, when the next Read skips the system call
// and waits for readiness) is read at once, on every backend.
func TestReadinessWhileBusy(t *testing.T) {
	gevent.Run(func() {
		a, z := socketpair(t)
		buf := make([]byte, 64)
		for i := range 3 {
			msg := fmt.Sprintf("message %d", i)
			if _, err := z.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			gevent.Sleep(5 * time.Millisecond) // the hub polls while a is not read
			a.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, err := a.Read(buf) // each read is short: the next one waits first
			if err != nil || string(buf[:n]) != msg {
				t.Fatalf("Read %d = %q, %v; want %q", i, buf[:n], err, msg)
			}
		}
	})
}

// TestPlainGoroutinesQueue: plain goroutines that read while a greenlet
// holds the read lock wait for it, one after another, instead of failing
// with a ConcurrentUseError; Close releases those still queued with
// net.ErrClosed.
func TestPlainGoroutinesQueue(t *testing.T) {
	gevent.Run(func() {
		// The reader that Close ends fails with net.ErrClosed; anything
		// else the hub reports is a failure of the test.
		gevent.CurrentHub().SetErrorHandler(func(r gevent.Report) {
			if !errors.Is(r.Err, net.ErrClosed) {
				t.Errorf("hub report: %v", r)
			}
		})
		a, b := socketpair(t)
		read1 := func() (string, error) {
			buf := make([]byte, 1)
			n, err := a.Read(buf)
			return string(buf[:n]), err
		}
		reader := gevent.Spawn(read1)
		gevent.Sleep(0) // reader holds the lock, parked in Read
		const plain = 3
		results := make(chan string, plain)
		for range plain {
			go func() {
				s, err := read1()
				if err != nil {
					s = "error: " + err.Error()
				}
				results <- s
			}()
		}
		gevent.Sleep(20 * time.Millisecond) // the goroutines queue
		if _, err := b.Write([]byte("xyzw")); err != nil {
			t.Fatal(err)
		}
		if s, err := reader.Get(); s != "x" || err != nil {
			t.Errorf("greenlet Read = %q, %v; want x, nil", s, err)
		}
		var got []string
		for len(got) < plain {
			select {
			case s := <-results:
				got = append(got, s)
			default:
				gevent.Sleep(time.Millisecond) // serve the relayed waits
			}
		}
		sort.Strings(got)
		if strings.Join(got, "") != "wyz" {
			t.Errorf("plain goroutines read %q; want w, y and z", got)
		}

		// Close while a greenlet holds the lock and a goroutine queues.
		reader = gevent.Spawn(read1)
		gevent.Sleep(0)
		errc := make(chan error, 1)
		go func() { _, err := read1(); errc <- err }()
		gevent.Sleep(20 * time.Millisecond)
		a.Close()
		if _, err := reader.Get(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("greenlet Read after Close = %v; want net.ErrClosed", err)
		}
		wantClosed(t, errc, "a goroutine queued for the read lock")
	})
}

// TestReadinessWhileBusyPlainGoroutine is TestReadinessWhileBusy with the
// reads made by a plain goroutine, whose waits the owner hub serves: an edge
// that came while nobody waited wakes its next wait at once.
func TestReadinessWhileBusyPlainGoroutine(t *testing.T) {
	gevent.Run(func() {
		a, z := socketpair(t)
		sent := make(chan string)
		read := make(chan error, 1) // one result per message sent
		go func() {
			buf := make([]byte, 64)
			for msg := range sent {
				time.Sleep(5 * time.Millisecond) // the hub polls while a is not read
				a.SetReadDeadline(time.Now().Add(5 * time.Second))
				n, err := a.Read(buf)
				if err == nil && string(buf[:n]) != msg {
					err = fmt.Errorf("read %q; want %q", buf[:n], msg)
				}
				read <- err
			}
		}()
		defer close(sent)
		for i := range 3 {
			msg := fmt.Sprintf("message %d", i)
			if _, err := z.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			sent <- msg
			for done := false; !done; {
				select {
				case err := <-read:
					if err != nil {
						t.Fatalf("Read %d: %v", i, err)
					}
					done = true
				default:
					gevent.Sleep(time.Millisecond) // serve the goroutine's relayed wait
				}
			}
		}
	})
}
