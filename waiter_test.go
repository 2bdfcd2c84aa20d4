package gevent_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// TestWaiterOneWakeUp: exactly one Switch or Throw succeeds per arming, a
// wake-up before Wait is kept, and Reset re-arms.
func TestWaiterOneWakeUp(t *testing.T) {
	inGreenlet(t, func() {
		w := gevent.NewWaiter()
		if w.Ready() {
			t.Error("new Waiter is Ready")
		}
		if !w.Switch() || w.Switch() || w.Throw(errBoom) || !w.Ready() {
			t.Error("first Switch must succeed and later wake-ups fail")
		}
		if err := w.Wait(); err != nil {
			t.Errorf("Wait after Switch = %v; want nil", err)
		}
		hubapi.Reset(w)
		if !w.Throw(errBoom) || w.Switch() {
			t.Error("after Reset: Throw must succeed, then Switch fail")
		}
		if err := w.Wait(); !errors.Is(err, errBoom) {
			t.Errorf("Wait after Throw = %v; want boom", err)
		}

		// Concurrent wakers: exactly one wins.
		hubapi.Reset(w)
		hubapi.SetRef(w, true)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if (i%2 == 0 && w.Switch()) || (i%2 == 1 && w.Throw(errBoom)) {
					wins.Add(1)
				}
			}()
		}
		w.Wait()
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Errorf("%d of 8 concurrent wake-ups succeeded; want 1", n)
		}
	})
}

// TestWaiterTimeout: WaitTimeout reports false, nil when the limit passes,
// and a waker then learns that the waiter gave up.
func TestWaiterTimeout(t *testing.T) {
	inGreenlet(t, func() {
		w := gevent.NewWaiter()
		start := time.Now()
		if ok, err := w.WaitTimeout(5 * time.Millisecond); ok || err != nil {
			t.Errorf("WaitTimeout = %v, %v; want false, nil", ok, err)
		}
		if time.Since(start) < 5*time.Millisecond {
			t.Error("WaitTimeout returned early")
		}
		if w.Switch() {
			t.Error("Switch after the timeout succeeded; want false (the waiter gave up)")
		}
		hubapi.Reset(w)
		gevent.Go(func() { w.Switch() })
		if ok, err := w.WaitTimeout(time.Second); !ok || err != nil {
			t.Errorf("WaitTimeout woken by a greenlet = %v, %v; want true, nil", ok, err)
		}
	})
}

// TestWaiterWrongContext: only the context that created a Waiter may wait.
func TestWaiterWrongContext(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		w := gevent.NewWaiter()
		var err error
		gevent.Go(func() { err = w.Wait() }).Join()
		if err == nil {
			t.Error("Wait from another greenlet = nil; want an error")
		}
	})
}

// TestWaiterPlainGoroutine: a goroutine without a hub parks on a channel and
// is woken from a greenlet of a hub.
func TestWaiterPlainGoroutine(t *testing.T) {
	wch := make(chan *gevent.Waiter)
	res := make(chan error, 1)
	go func() {
		w := gevent.NewWaiter()
		wch <- w
		if ok, err := w.WaitTimeout(time.Millisecond); ok || err != nil {
			res <- errors.New("WaitTimeout did not time out")
			return
		}
		hubapi.Reset(w)
		wch <- w
		err := w.Wait()
		if hubapi.CurrentHubIfAny() != nil {
			err = errors.New("the plain goroutine got a hub")
		}
		res <- err
	}()
	<-wch
	w := <-wch
	runHub(t, func(*gevent.Hub) {
		gevent.Go(func() { w.Throw(errBoom) }).Join()
	})
	select {
	case err := <-res:
		if !errors.Is(err, errBoom) {
			t.Errorf("plain goroutine's Wait = %v; want boom", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("plain goroutine not woken")
	}
}

// TestWaiterRef: a wait that only another goroutine can end needs SetRef; a
// greenlet's Waiter woken from a goroutine wakes its hub.
func TestWaiterRef(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		w := gevent.NewWaiter()
		if err := w.Wait(); !errors.Is(err, gevent.ErrLoopExit) {
			t.Errorf("unreferenced Wait with an idle hub = %v; want ErrLoopExit", err)
		}
		var err error
		g := gevent.Go(func() {
			w := gevent.NewWaiter()
			hubapi.SetRef(w, true)
			go func() { time.Sleep(5 * time.Millisecond); w.Switch() }()
			err = w.Wait()
		})
		if jerr := g.Join(); jerr != nil || err != nil {
			t.Errorf("Join, Wait = %v, %v; want nil, nil", jerr, err)
		}
	})
}

// TestWaiterSwitchNow: from a loop callback of the waiter's hub, SwitchNow
// runs the waiting greenlet before it returns; from a greenlet it is Switch,
// which queues the wake-up. Either way only the first wake-up succeeds.
func TestWaiterSwitchNow(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fromLoop   bool
		wantOrder  string
		wantSecond bool
	}{
		{"loop callback", true, "woken,returned", false},
		{"greenlet", false, "returned,woken", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runHub(t, func(h *gevent.Hub) {
				var order []string
				var w *gevent.Waiter
				g := gevent.Go(func() {
					w = gevent.NewWaiter()
					if err := w.Wait(); err != nil {
						t.Errorf("Wait = %v", err)
					}
					order = append(order, "woken")
				})
				gevent.Sleep(0) // g parks on w
				var first, second bool
				wake := func() {
					first = hubapi.SwitchNow(w)
					order = append(order, "returned")
					second = hubapi.SwitchNow(w)
				}
				if tc.fromLoop {
					h.RunCallback(wake)
				} else {
					gevent.Go(wake)
				}
				if err := g.Join(); err != nil {
					t.Fatal(err)
				}
				if got := strings.Join(order, ","); got != tc.wantOrder {
					t.Errorf("order = %s; want %s", got, tc.wantOrder)
				}
				if !first || second != tc.wantSecond {
					t.Errorf("SwitchNow = %v, then %v; want true, %v", first, second, tc.wantSecond)
				}
			})
		})
	}
}

// TestWaiterMadeBeforeHub: a Waiter made on a goroutine without a hub and
// waited on after the goroutine got one runs the hub's loop while it
// waits, so a greenlet spawned there can wake it (it used to park on its
// channel alone: the greenlet never ran, and Wait never returned). It waits
// as a plain goroutine's Waiter does: for a waker elsewhere past the loop
// exit grace, and until a Timeout of the goroutine; it fails in a loop
// callback and in a greenlet (which used to block the hub on the channel);
// and a woken Waiter stays woken, on the hub or not.
func TestWaiterMadeBeforeHub(t *testing.T) {
	onPlainGoroutine(t, func() {
		w := gevent.NewWaiter()
		if err := gevent.Go(func() {}).Join(); err != nil { // a hub, released again
			t.Errorf("Join = %v", err)
		}
		gevent.Go(func() { w.Switch() }) // a new hub, the greenlet queued
		if err := w.Wait(); err != nil {
			t.Errorf("Wait woken by a greenlet of the goroutine's hub = %v; want nil", err)
		}
		if err := w.Wait(); err != nil {
			t.Errorf("second Wait = %v; want nil", err)
		}
		if gevent.HasHub() {
			t.Error("hub kept after the wait")
		}
	})
	onPlainGoroutine(t, func() {
		w := gevent.NewWaiter()
		ran := false
		gevent.Go(func() { ran = true })
		if ok, err := w.WaitTimeout(10 * time.Millisecond); ok || err != nil || !ran {
			t.Errorf("WaitTimeout = %v, %v, greenlet ran %v; want false, nil, true", ok, err, ran)
		}
		if w.Switch() {
			t.Error("Switch after the timeout succeeded")
		}
	})
	onPlainGoroutine(t, func() {
		w := gevent.NewWaiter()
		gevent.Go(func() {})
		go func() {
			time.Sleep(150 * time.Millisecond) // past the hub's loop exit grace (100 ms)
			w.Switch()
		}()
		if err := w.Wait(); err != nil {
			t.Errorf("Wait woken by a plain goroutine after 150 ms = %v; want nil", err)
		}
	})
	onPlainGoroutine(t, func() {
		w := gevent.NewWaiter()
		to, err := gevent.StartTimeout(10*time.Millisecond, nil) // makes a hub (pinned)
		if err != nil {
			t.Error(err)
			return
		}
		defer gevent.CurrentHub().Destroy()
		if err := w.Wait(); err != to {
			t.Errorf("Wait under an expiring Timeout = %v; want the Timeout", err)
		}
		if w.Switch() {
			t.Error("Switch after the Timeout succeeded")
		}
	})
	onPlainGoroutine(t, func() {
		w := gevent.NewWaiter()
		h := gevent.CurrentHub()
		defer h.Destroy()
		var errs [2]error
		h.RunCallback(func() { errs[0] = w.Wait() })
		gevent.Go(func() { errs[1] = w.Wait() }).Join()
		if !errors.Is(errs[0], gevent.ErrBlockingSwitchOut) {
			t.Errorf("Wait in a loop callback of the goroutine's hub = %v; want ErrBlockingSwitchOut", errs[0])
		}
		if errs[1] == nil || !strings.Contains(errs[1].Error(), "did not create it") {
			t.Errorf("Wait in a greenlet = %v; want the wrong-context error", errs[1])
		}
	})
	onPlainGoroutine(t, func() { // no hub at all
		w := gevent.NewWaiter()
		w.Switch()
		for i := range 2 {
			if err := w.Wait(); err != nil {
				t.Errorf("plain Wait %d = %v; want nil", i, err)
			}
		}
	})
}
