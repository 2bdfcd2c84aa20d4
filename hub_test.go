package gevent_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// runHub runs fn as the main of a fresh hub and fails the test if Run fails.
func runHub(t *testing.T, fn func(h *gevent.Hub)) {
	t.Helper()
	if err := gevent.Run(func() { fn(gevent.CurrentHub()) }); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// reportLog collects the reports of a hub's error handler.
type reportLog struct {
	mu sync.Mutex
	rs []gevent.Report
}

func captureReports(h *gevent.Hub) *reportLog {
	l := &reportLog{}
	h.SetErrorHandler(func(r gevent.Report) {
		l.mu.Lock()
		l.rs = append(l.rs, r)
		l.mu.Unlock()
	})
	return l
}

func (l *reportLog) get() []gevent.Report {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]gevent.Report(nil), l.rs...)
}

func TestRun(t *testing.T) {
	if hubapi.CurrentHubIfAny() != nil {
		t.Fatal("the test goroutine has a hub before Run")
	}
	var h *gevent.Hub
	runHub(t, func(hub *gevent.Hub) {
		h = hub
		if hub == nil || hubapi.CurrentHubIfAny() != hub {
			t.Error("CurrentHub and CurrentHubIfAny disagree inside Run")
		}
		if err := gevent.Run(func() {}); !errors.Is(err, gevent.ErrHubExists) {
			t.Errorf("nested Run = %v; want ErrHubExists", err)
		}
		var inner error
		gevent.Go(func() { inner = gevent.Run(func() {}) }).Join()
		if !errors.Is(inner, gevent.ErrHubExists) {
			t.Errorf("Run in a greenlet = %v; want ErrHubExists", inner)
		}
	})
	if hubapi.CurrentHubIfAny() != nil {
		t.Error("the hub outlived Run")
	}
	if !hubapi.Loop(h).Closed() {
		t.Error("Run left the hub's loop open")
	}
}

// TestRunDestroysHub: greenlets alive when Run's function returns are
// unwound: their deferred calls run and they end with ErrHubDestroyed.
func TestRunDestroysHub(t *testing.T) {
	var g *gevent.Greenlet[int]
	deferred := false
	runHub(t, func(*gevent.Hub) {
		g = gevent.Spawn(func() (int, error) {
			defer func() { deferred = true }()
			return 0, gevent.NewWaiter().Wait()
		})
		gevent.Sleep(0)
	})
	if !deferred || !g.Ready() || !errors.Is(g.Err(), gevent.ErrHubDestroyed) {
		t.Errorf("after Run: deferred %v, Ready %v, Err %v; want true, true, ErrHubDestroyed", deferred, g.Ready(), g.Err())
	}
}

// TestDestroyWakesJoiners: when Run destroys a hub whose greenlet is still
// parked, joiners on a plain goroutine and on another hub wake up.
func TestDestroyWakesJoiners(t *testing.T) {
	gch := make(chan *gevent.Greenlet[int], 2)
	res := make(chan error, 2)
	go func() { res <- (<-gch).Join() }()
	go func() {
		var err error
		if rerr := gevent.Run(func() { err = (<-gch).Join() }); rerr != nil {
			err = rerr
		}
		res <- err
	}()
	var g *gevent.Greenlet[int]
	runHub(t, func(*gevent.Hub) {
		g = gevent.Spawn(func() (int, error) { return 0, gevent.NewWaiter().Wait() })
		gevent.Sleep(0)
		gch <- g
		gch <- g
		for deadline := time.Now().Add(5 * time.Second); gevent.LinkCount(g) < 2; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the joiners did not link within 5s")
			}
		}
	})
	for range 2 {
		select {
		case err := <-res:
			if err != nil {
				t.Errorf("Join of a greenlet of a destroyed hub = %v; want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a joiner still waits after the greenlet's hub was destroyed")
		}
	}
	if !errors.Is(g.Err(), gevent.ErrHubDestroyed) {
		t.Errorf("Err = %v; want ErrHubDestroyed", g.Err())
	}
}

// TestLoopExit: a wait that nothing can ever satisfy returns ErrLoopExit
// instead of hanging (docs/gevent.md §3).
func TestLoopExit(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		g := gevent.Go(func() { gevent.NewWaiter().Wait() })
		if err := g.Join(); !errors.Is(err, gevent.ErrLoopExit) {
			t.Errorf("Join of a greenlet waiting forever = %v; want ErrLoopExit", err)
		}
		if err := gevent.NewWaiter().Wait(); !errors.Is(err, gevent.ErrLoopExit) {
			t.Errorf("Waiter.Wait in main = %v; want ErrLoopExit", err)
		}
		if _, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{g}); !errors.Is(err, gevent.ErrLoopExit) {
			t.Errorf("JoinAll = %v; want ErrLoopExit", err)
		}
		// A timer is work: the wait ends with the timer, not with ErrLoopExit.
		if err := g.JoinTimeout(5 * time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("JoinTimeout = %v; want ErrTimeout", err)
		}
	})
}

// TestBlockingSwitchOut: a blocking call inside a loop callback fails with
// ErrBlockingSwitchOut (docs/gevent.md §4).
func TestBlockingSwitchOut(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		g := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		errs := map[string]error{}
		inCallback := false
		h.RunCallback(func() {
			inCallback = hubapi.InLoopCallback()
			errs["Sleep(0)"] = gevent.Sleep(0)
			errs["Sleep"] = gevent.Sleep(time.Millisecond)
			errs["Idle"] = gevent.Idle()
			errs["Join"] = g.Join()
			_, errs["JoinAll"] = gevent.JoinAll([]*gevent.Greenlet[int]{g})
			errs["Wait"] = gevent.NewWaiter().Wait()
			_, errs["Blocking"] = gevent.Blocking(func() (int, error) { return 0, nil })
			errs["Timeout.Start"] = gevent.NewTimeout(time.Second, nil).Start()
			g.Kill() // cannot wait here: returns, the kill arrives later
		})
		gevent.Sleep(0)
		if !inCallback {
			t.Error("InLoopCallback() = false in a loop callback")
		}
		if hubapi.InLoopCallback() {
			t.Error("InLoopCallback() = true in the hub's goroutine")
		}
		for name, err := range errs {
			if !errors.Is(err, gevent.ErrBlockingSwitchOut) {
				t.Errorf("%s in a loop callback = %v; want ErrBlockingSwitchOut", name, err)
			}
		}
		if len(errs) != 8 {
			t.Errorf("callback recorded %d results; want 8", len(errs))
		}
		if err := g.JoinTimeout(time.Second); err != nil || !g.Successful() {
			t.Errorf("greenlet killed from a callback: JoinTimeout %v, Err %v; want nil, nil", err, g.Err())
		}
	})
}

// TestHubJoin: Hub.Join runs the loop until nothing is left.
func TestHubJoin(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		done := 0
		for i := range 3 {
			gevent.Go(func() { gevent.Sleep(time.Duration(i) * time.Millisecond); done++ })
		}
		if err := h.Join(); err != nil {
			t.Fatalf("Join = %v", err)
		}
		if done != 3 {
			t.Errorf("Join returned with %d of 3 greenlets done", done)
		}
		var inGreenlet error
		gevent.Go(func() { inGreenlet = h.Join() }).Join()
		if !errors.Is(inGreenlet, gevent.ErrBlockingSwitchOut) {
			t.Errorf("Hub.Join in a greenlet = %v; want ErrBlockingSwitchOut", inGreenlet)
		}
	})
}

// TestRunCallbackThreadsafe: another goroutine queues a callback that wakes
// a waiting hub.
func TestRunCallbackThreadsafe(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		w := gevent.NewWaiter()
		hubapi.SetRef(w, true)
		ran := false
		go func() {
			h.RunCallbackThreadsafe(func() {
				ran = hubapi.InLoopCallback()
				w.Switch()
			})
		}()
		if ok, err := w.WaitTimeout(5 * time.Second); !ok || err != nil {
			t.Fatalf("WaitTimeout = %v, %v; want true, nil", ok, err)
		}
		if !ran {
			t.Error("threadsafe callback did not run as a loop callback")
		}
	})
}

// TestManyHubs: several goroutines each run a hub at once, each with 100
// greenlets ping-ponging Sleep(0) in strict round-robin order.
func TestManyHubs(t *testing.T) {
	const hubs, greenlets, rounds = 4, 100, 50
	var wg sync.WaitGroup
	for hub := range hubs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := gevent.Run(func() {
				var trace []int
				gs := make([]*gevent.Greenlet[struct{}], greenlets)
				for i := range gs {
					gs[i] = gevent.Go(func() {
						for range rounds {
							trace = append(trace, i)
							if err := gevent.Sleep(0); err != nil {
								t.Errorf("hub %d: Sleep(0) = %v", hub, err)
								return
							}
						}
					})
				}
				if _, err := gevent.JoinAll(gs); err != nil {
					t.Errorf("hub %d: JoinAll = %v", hub, err)
				}
				if len(trace) != greenlets*rounds {
					t.Errorf("hub %d: %d steps; want %d", hub, len(trace), greenlets*rounds)
					return
				}
				for k, i := range trace {
					if i != k%greenlets {
						t.Errorf("hub %d: step %d ran greenlet %d; want %d (round-robin)", hub, k, i, k%greenlets)
						return
					}
				}
			})
			if err != nil {
				t.Errorf("hub %d: Run = %v", hub, err)
			}
		}()
	}
	wg.Wait()
}

// TestJoinFromPlainGoroutine: a goroutine without a hub joins a greenlet of
// a hub running elsewhere, first with a limit, then until it finishes.
func TestJoinFromPlainGoroutine(t *testing.T) {
	gch := make(chan *gevent.Greenlet[int], 1)
	wch := make(chan *gevent.Waiter, 1)
	got := make(chan string, 1)
	go func() {
		g, w := <-gch, <-wch
		if err := g.JoinTimeout(time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			got <- "JoinTimeout of a parked greenlet = " + fmt.Sprint(err)
			return
		}
		w.Switch() // let the greenlet finish
		v, err := g.Get()
		switch {
		case hubapi.CurrentHubIfAny() != nil:
			got <- "the joining goroutine got a hub"
		case v != 42 || err != nil:
			got <- fmt.Sprintf("Get = %v, %v; want 42, nil", v, err)
		default:
			got <- "ok"
		}
	}()
	runHub(t, func(*gevent.Hub) {
		g := gevent.Spawn(func() (int, error) {
			w := gevent.NewWaiter()
			hubapi.SetRef(w, true) // the waker is another goroutine
			wch <- w
			return 42, w.Wait()
		})
		gch <- g
		g.Join()
	})
	select {
	case s := <-got:
		if s != "ok" {
			t.Error(s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("plain goroutine's Get did not return")
	}
}

// TestKillAcrossHubs: a greenlet of hub A kills a greenlet of hub B that
// sleeps 10 s; B's greenlet ends promptly and A's Kill waits for it.
func TestKillAcrossHubs(t *testing.T) {
	gch := make(chan *gevent.Greenlet[int], 1)
	var bErr error
	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		gevent.Run(func() {
			g := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(10 * time.Second) })
			gevent.Sleep(0)
			gch <- g
			_, bErr = g.Get()
		})
	}()
	gb := <-gch
	start := time.Now()
	runHub(t, func(*gevent.Hub) {
		gevent.Go(func() {
			gb.Kill()
			if !gb.Ready() {
				t.Error("Kill from another hub returned before the greenlet died")
			}
		}).Join()
	})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cross-hub Kill took %v", d)
	}
	<-bDone
	if bErr != nil || !gb.Successful() {
		t.Errorf("killed greenlet: Get err %v, Successful %v; want nil, true", bErr, gb.Successful())
	}
}

// TestKillFromPlainGoroutine: Kill from a goroutine without a hub waits for
// the greenlet to die, as it does anywhere else.
func TestKillFromPlainGoroutine(t *testing.T) {
	gch := make(chan *gevent.Greenlet[int], 1)
	var bErr atomic.Value
	done := make(chan struct{})
	go func() {
		defer close(done)
		gevent.Run(func() {
			g := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(10 * time.Second) })
			gevent.Sleep(0)
			gch <- g
			if err := g.Join(); err != nil {
				bErr.Store(err)
			}
		})
	}()
	g := <-gch
	g.Kill()
	if !g.Ready() {
		t.Error("Kill from a plain goroutine returned before the greenlet died")
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("hub B did not finish after the kill")
	}
	if err := bErr.Load(); err != nil {
		t.Errorf("hub B's Join = %v", err)
	}
}

// TestKillWithinAcrossHubs: Kill(Within(d)) gives up after the
// timeout on a greenlet that cannot receive the kill (it blocks its hub in a
// plain time.Sleep), and KillAll reports ErrTimeout for it.
func TestKillWithinAcrossHubs(t *testing.T) {
	gch := make(chan *gevent.Greenlet[int], 1)
	done := make(chan struct{})
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		gevent.Run(func() {
			g := gevent.Spawn(func() (int, error) {
				close(started)
				<-release // a non-cooperative block: the kill cannot arrive
				return 0, gevent.Sleep(0)
			})
			gch <- g
			g.Join()
		})
	}()
	g := <-gch
	<-started
	runHub(t, func(*gevent.Hub) {
		start := time.Now()
		g.Kill(gevent.Within(30 * time.Millisecond))
		if d := time.Since(start); d < 30*time.Millisecond || d > 3*time.Second {
			t.Errorf("Kill(Within(30ms)) returned after %v", d)
		}
		if g.Ready() {
			t.Error("greenlet died while blocked outside gevent")
		}
		err := gevent.KillAll([]*gevent.Greenlet[int]{g}, gevent.Within(10*time.Millisecond))
		if !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("KillAll with a surviving greenlet = %v; want ErrTimeout", err)
		}
		close(release)
		if err := g.JoinTimeout(5 * time.Second); err != nil {
			t.Errorf("JoinTimeout after release = %v", err)
		}
		if !g.Successful() {
			t.Errorf("Err = %v; want a successful kill", g.Err())
		}
	})
	<-done
}

func TestDestroyKillsUnstarted(t *testing.T) {
	ran := false
	var g *gevent.Greenlet[int]
	linked := false
	if err := gevent.Run(func() {
		g = gevent.Spawn(func() (int, error) { ran = true; return 1, nil })
		g.Link(func(*gevent.Greenlet[int]) { linked = true })
	}); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Errorf("unstarted greenlet ran during Destroy")
	}
	if !g.Ready() || g.Started() || !errors.Is(g.Err(), gevent.ErrHubDestroyed) {
		t.Errorf("Ready, Started, Err = %v, %v, %v; want true, false, ErrHubDestroyed", g.Ready(), g.Started(), g.Err())
	}
	if !linked {
		t.Errorf("link of the unstarted greenlet did not run")
	}
	done := make(chan error, 1)
	go func() { done <- g.Join() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Join = %v; want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Join from a plain goroutine hung")
	}
}
