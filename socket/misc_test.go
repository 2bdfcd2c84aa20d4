//go:build unix

package socket_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
	"golang.org/x/sys/unix"
)

// pipe returns the two ends of a non-blocking pipe, closed by the test's
// cleanup.
func pipe(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	if err := nbPipe(&p); err != nil {
		t.Fatalf("pipe: %v", err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

// nbPipe makes a non-blocking, close-on-exec pipe (Pipe2 is Linux-only).
func nbPipe(p *[2]int) error {
	if err := unix.Pipe(p[:]); err != nil {
		return err
	}
	for _, fd := range p {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return err
		}
	}
	return nil
}

func TestSocketpair(t *testing.T) {
	gevent.Run(func() {
		a, b := socketpair(t)
		for _, c := range []*socket.Conn{a, b} {
			if _, ok := c.LocalAddr().(*net.UnixAddr); !ok {
				t.Errorf("LocalAddr = %T; want *net.UnixAddr", c.LocalAddr())
			}
			if _, ok := c.RemoteAddr().(*net.UnixAddr); !ok {
				t.Errorf("RemoteAddr = %T; want *net.UnixAddr", c.RemoteAddr())
			}
		}
		echo := gevent.Spawn(func() (int64, error) { return io.Copy(b, b) })
		msg := bytes.Repeat([]byte("socketpair "), 50000)
		w := gevent.Spawn(func() (int, error) { return a.Write(msg) })
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(a, got); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("echo ReadFull = %v (equal %v); want the message", err, bytes.Equal(got, msg))
		}
		if n, err := w.Get(); n != len(msg) || err != nil {
			t.Errorf("Write = %d, %v; want %d, nil", n, err, len(msg))
		}
		if err := a.CloseWrite(); err != nil {
			t.Errorf("CloseWrite = %v", err)
		}
		if n, err := echo.Get(); n != int64(len(msg)) || err != nil {
			t.Errorf("echo io.Copy = %d, %v; want %d, nil (EOF after CloseWrite)", n, err, len(msg))
		}
	})
}

func TestFromFD(t *testing.T) {
	gevent.Run(func() {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fds[1])
		c, err := socket.FromFD(fds[0])
		if err != nil {
			unix.Close(fds[0])
			t.Fatalf("FromFD = %v", err)
		}
		gevent.Go(func() { unix.Write(fds[1], []byte("raw")) })
		buf := make([]byte, 10)
		if n, err := c.Read(buf); string(buf[:n]) != "raw" || err != nil {
			t.Errorf("Read = %q, %v; want \"raw\", nil", buf[:n], err)
		}
		if err := c.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
		if n, err := unix.Read(fds[1], buf); n != 0 || err != nil {
			t.Errorf("peer read after Close = %d, %v; want 0, nil (EOF: the Conn owned the fd)", n, err)
		}

		if _, err := socket.FromFD(-1); err == nil {
			t.Errorf("FromFD(-1) = nil error")
		}
		r, _ := pipe(t)
		if _, err := socket.FromFD(r); !errors.Is(err, unix.ENOTSOCK) {
			t.Errorf("FromFD(pipe) = %v; want ENOTSOCK", err)
		}
		if _, err := unix.FcntlInt(uintptr(r), unix.F_GETFD, 0); err != nil {
			t.Errorf("FromFD closed the descriptor it refused: %v", err)
		}
	})
}

func TestFromConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		s, err := ln.Accept()
		if err != nil {
			return
		}
		defer s.Close()
		io.Copy(s, s)
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	gevent.Run(func() {
		c, err := socket.FromConn(nc)
		if err != nil {
			t.Fatalf("FromConn = %v", err)
		}
		defer c.Close()
		if _, err := nc.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Write on the original = %v; want net.ErrClosed", err)
		}
		if got, want := c.RemoteAddr().String(), ln.Addr().String(); got != want {
			t.Errorf("RemoteAddr = %s; want %s", got, want)
		}
		if _, ok := c.LocalAddr().(*net.TCPAddr); !ok {
			t.Errorf("LocalAddr = %T; want *net.TCPAddr", c.LocalAddr())
		}
		c.Write([]byte("moved"))
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); string(buf) != "moved" || err != nil {
			t.Errorf("echo = %q, %v; want \"moved\", nil", buf, err)
		}

		p1, p2 := net.Pipe()
		defer p1.Close()
		defer p2.Close()
		if _, err := socket.FromConn(p1); err == nil {
			t.Errorf("FromConn(net.Pipe) = nil error; want one")
		}
	})
}

func TestWaitRead(t *testing.T) {
	gevent.Run(func() {
		r, w := pipe(t)
		start := time.Now()
		err := socket.WaitRead(r, 20*time.Millisecond)
		if !errors.Is(err, os.ErrDeadlineExceeded) || err != socket.ErrWaitTimeout {
			t.Errorf("WaitRead on an empty pipe = %v; want ErrWaitTimeout", err)
		}
		if d := time.Since(start); d < 15*time.Millisecond || d > 2*time.Second {
			t.Errorf("WaitRead timed out after %v; want about 20ms", d)
		}

		// The writer writes once the ticker has run three times: WaitRead
		// returns after that, so the hub ran both while it waited.
		ticks, stop := startTicker()
		writer := gevent.Go(func() {
			waitTicks(ticks, 3)
			unix.Write(w, []byte("x"))
		})
		if err := socket.WaitRead(r, -1); err != nil {
			t.Errorf("WaitRead after a write = %v; want nil", err)
		}
		if !writer.Ready() {
			t.Errorf("WaitRead returned before the writer finished")
		}
		stop()
		if err := socket.WaitRead(r, 0); err != nil {
			t.Errorf("WaitRead on a readable pipe, timeout 0 = %v; want nil", err)
		}
		if err := socket.WaitRead(-1, time.Second); err == nil {
			t.Errorf("WaitRead(-1) = nil; want an error")
		}
	})
}

func TestWaitWrite(t *testing.T) {
	gevent.Run(func() {
		r, w := pipe(t)
		if err := socket.WaitWrite(w, time.Second); err != nil {
			t.Fatalf("WaitWrite on an empty pipe = %v; want nil", err)
		}
		chunk := make([]byte, 4096)
		for {
			if _, err := unix.Write(w, chunk); err == unix.EAGAIN {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if err := socket.WaitWrite(w, 20*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("WaitWrite on a full pipe = %v; want ErrWaitTimeout", err)
		}
		gevent.Go(func() {
			for {
				if _, err := unix.Read(r, chunk); err != nil {
					return
				}
			}
		})
		if err := socket.WaitWrite(w, 5*time.Second); err != nil {
			t.Errorf("WaitWrite after the reader drained = %v; want nil", err)
		}
	})
}

// TestWaitReadGoroutine waits from plain goroutines, which have no hub.
func TestWaitReadGoroutine(t *testing.T) {
	r, w := pipe(t)
	errc := make(chan error)
	go func() { errc <- socket.WaitRead(r, 20*time.Millisecond) }()
	if err := <-errc; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("WaitRead from a goroutine on an empty pipe = %v; want ErrWaitTimeout", err)
	}
	go func() { errc <- socket.WaitRead(r, -1) }()
	time.Sleep(10 * time.Millisecond) // parked or not yet: both must see the byte
	unix.Write(w, []byte("x"))
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("WaitRead from a goroutine after a write = %v; want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitRead from a goroutine did not see the write")
	}
	if err := socket.WaitWrite(w, time.Second); err != nil {
		t.Errorf("WaitWrite from a goroutine = %v; want nil", err)
	}
}

// TestWriteAllOrError: Write returns only when all of b is written or the
// connection fails, and then reports how much was written.
func TestWriteAllOrError(t *testing.T) {
	gevent.Run(func() {
		a, b := socketpair(t)
		var n int
		var err error
		w := gevent.Go(func() { n, err = a.Write(bigWrite) })
		if _, err := io.ReadFull(b, make([]byte, 1000)); err != nil {
			t.Fatal(err)
		}
		b.Close()
		w.Join()
		if n < 1000 || n >= len(bigWrite) || !isPeerGone(err) {
			t.Errorf("Write to a peer that closed = %d, %v; want a part, EPIPE or ECONNRESET", n, err)
		}
	})
}
