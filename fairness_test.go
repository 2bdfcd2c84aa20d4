package gevent_test

import (
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/loop"
)

// TestOwnerSpinDoesNotStarveTimeout: the hub's owner and a greenlet both
// spinning on Sleep(0) still let a Timeout fire (issue 8 §1; gevent:
// `with Timeout(0.05): while True: sleep(0)` raises after ≈ 51 ms, checked
// with gevent 22.10.2 while a second greenlet spins too).
func TestOwnerSpinDoesNotStarveTimeout(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		stop := false
		spinner := gevent.Go(func() {
			for !stop {
				gevent.Sleep(0)
			}
		})
		guard := time.Now().Add(10 * time.Second)
		start := time.Now()
		to, _ := gevent.StartTimeout(50*time.Millisecond, nil)
		var err error
		for err == nil && time.Now().Before(guard) {
			err = gevent.Sleep(0)
		}
		d := time.Since(start)
		stop = true
		spinner.Join()
		if err != to {
			t.Fatalf("Sleep(0) loop ended with %v after %v; want the Timeout", err, d)
		}
		if d < 50*time.Millisecond || d > 5*time.Second {
			t.Errorf("the 50ms Timeout fired after %v", d)
		}
	})
}

// TestOwnerSpinRunsThreadsafeCallbacksAndIO: while the owner spins on
// Sleep(0), callbacks queued from another goroutine and I/O readiness are
// still handled (issue 8 §1).
func TestOwnerSpinRunsThreadsafeCallbacksAndIO(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		var ioSeen, cbSeen atomic.Bool
		io, err := hubapi.Loop(h).NewIO(int(r.Fd()), loop.Read, func(loop.Interest) { ioSeen.Store(true) })
		if err != nil {
			t.Fatal(err)
		}
		defer io.Close()
		if err := io.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			h.RunCallbackThreadsafe(func() { cbSeen.Store(true) })
			w.Write([]byte("x"))
		}()
		guard := time.Now().Add(10 * time.Second)
		for !(ioSeen.Load() && cbSeen.Load()) && time.Now().Before(guard) {
			gevent.Sleep(0)
		}
		if !ioSeen.Load() || !cbSeen.Load() {
			t.Errorf("after 10s of Sleep(0): I/O seen %v, threadsafe callback run %v", ioSeen.Load(), cbSeen.Load())
		}
	})
}

// TestKillWithinStubbornGreenlet: a greenlet that ignores its kill and keeps
// calling Sleep (which fails at once, the kill being sticky) still passes
// through the hub, so Kill(Within(30ms)) returns after about 30 ms (issue 8
// §1; gevent: g.kill(timeout=0.03) of a greenlet that catches GreenletExit
// around sleep(0.005) returns after ≈ 31 ms with the greenlet alive).
func TestKillWithinStubbornGreenlet(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		var stop atomic.Bool
		var errs atomic.Int64
		g := gevent.Go(func() {
			until := time.Now().Add(5 * time.Second)
			for !stop.Load() && time.Now().Before(until) {
				if gevent.Sleep(5*time.Millisecond) != nil {
					errs.Add(1)
				}
			}
		})
		gevent.Sleep(0)
		start := time.Now()
		err := g.Kill(gevent.Within(30 * time.Millisecond))
		d := time.Since(start)
		stop.Store(true)
		if !errors.Is(err, gevent.ErrTimeout) || g.Ready() {
			t.Errorf("Kill(Within(30ms)) = %v, Ready %v; want ErrTimeout, false", err, g.Ready())
		}
		if d < 30*time.Millisecond || d > 3*time.Second {
			t.Errorf("Kill(Within(30ms)) returned after %v", d)
		}
		if err := g.Join(); err != nil || errs.Load() == 0 {
			t.Errorf("Join = %v after %d failed Sleeps", err, errs.Load())
		}
	})
}
