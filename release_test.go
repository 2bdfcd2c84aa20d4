package gevent_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
)

// TestImplicitHubReleasedAfterJoin: plain goroutines that each run
// g := gevent.Go(f) and a join of g, and exit, leave no hub, descriptor or
// goroutine behind (issue 8 §6 (d): each used to keep a hub with an epoll
// fd and an eventfd). A join with a bound that returns before it
// (JoinTimeout) releases the hub too: it used to keep it, its timer still
// on the loop, until the goroutine's next unbounded wait.
func TestImplicitHubReleasedAfterJoin(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		join func(*gevent.Greenlet[struct{}]) error
	}{
		{"Join", 500, (*gevent.Greenlet[struct{}]).Join},
		{"JoinTimeout", 200, func(g *gevent.Greenlet[struct{}]) error { return g.JoinTimeout(time.Second) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spawnJoin := func(n int) {
				var wg sync.WaitGroup
				for range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := tc.join(gevent.Go(func() { gevent.Sleep(0) })); err != nil {
							t.Errorf("%s = %v", tc.name, err)
						}
						if gevent.HasHub() {
							t.Errorf("goroutine still owns a hub after Go(f).%s", tc.name)
						}
					}()
				}
				wg.Wait()
			}
			spawnJoin(1) // warm up
			base := measure(t)
			spawnJoin(tc.n)
			base.checkFDsAndHubs(t, fmt.Sprintf("%d goroutines ran Go(f).%s", tc.n, tc.name), 3)
			base.checkGoroutines(t)
		})
	}
}

// TestCurrentHubPinsImplicitHub: a goroutine that called CurrentHub keeps
// that hub across spawns.
func TestCurrentHubPinsImplicitHub(t *testing.T) {
	onPlainGoroutine(t, func() {
		h := gevent.CurrentHub()
		defer h.Destroy()
		for i := range 2 {
			g := gevent.Go(func() {})
			if err := g.Join(); err != nil {
				t.Errorf("Join %d = %v", i, err)
			}
			if now := gevent.CurrentHub(); now != h {
				t.Errorf("after spawn %d: CurrentHub = %p; want %p", i, now, h)
			}
		}
	})
}

// TestReleasedHubGreenletHandle: the handle of a greenlet of a released
// hub still reports its result, and Kill and Link on it work.
func TestReleasedHubGreenletHandle(t *testing.T) {
	onPlainGoroutine(t, func() {
		g := gevent.Spawn(func() (int, error) { return 7, nil })
		if v, err := g.Get(); v != 7 || err != nil {
			t.Errorf("Get = %v, %v; want 7, nil", v, err)
		}
		if gevent.HasHub() {
			t.Error("hub kept after Get")
		}
		if err := g.Kill(); err != nil {
			t.Errorf("Kill of a dead greenlet = %v", err)
		}
		if v, err := g.Get(); v != 7 || err != nil {
			t.Errorf("second Get = %v, %v; want 7, nil", v, err)
		}
	})
}

// TestImplicitHubReleaseAfterOtherWaits: the owner's other blocking calls
// (Sleep, JoinAll, Kill) release a quiet implicit hub too, and later gevent
// calls on the goroutine work on a new hub. Bounded waits (JoinTimeout,
// Event.WaitTimeout, Waiter.WaitTimeout) release it too, whether they
// returned before their bound or at it: their timer is theirs.
func TestImplicitHubReleaseAfterOtherWaits(t *testing.T) {
	onPlainGoroutine(t, func() {
		steps := []struct {
			name     string
			fn       func() error
			released bool
		}{
			{"Sleep", func() error { gevent.Go(func() {}); return gevent.Sleep(time.Millisecond) }, true},
			{"JoinAll", func() error {
				_, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(func() {}), gevent.Go(func() { gevent.Sleep(0) })})
				return err
			}, true},
			{"Kill", func() error {
				g := gevent.Go(func() { gevent.Sleep(time.Hour) })
				if err := gevent.Sleep(0); err != nil { // g starts and parks
					return err
				}
				return g.Kill()
			}, true},
			{"JoinTimeout", func() error {
				return gevent.Go(func() {}).JoinTimeout(time.Hour)
			}, true},
			{"Event.WaitTimeout", func() error {
				var e event.Event
				gevent.Go(e.Set)
				if ok, err := e.WaitTimeout(time.Hour); !ok || err != nil {
					return fmt.Errorf("got %v, %v; want true, nil", ok, err)
				}
				return nil
			}, true},
			{"Waiter.WaitTimeout expired", func() error {
				gevent.Go(func() {})
				if ok, err := gevent.NewWaiter().WaitTimeout(time.Millisecond); ok || err != nil {
					return fmt.Errorf("got %v, %v; want false, nil", ok, err)
				}
				return nil
			}, true},
		}
		for _, s := range steps {
			if err := s.fn(); err != nil {
				t.Errorf("%s = %v", s.name, err)
			}
			if s.released && gevent.HasHub() {
				t.Errorf("hub kept after %s", s.name)
			}
		}
		if err := gevent.Go(func() {}).Join(); err != nil {
			t.Errorf("final Join = %v", err)
		}
		if gevent.HasHub() {
			t.Error("hub kept after the final Join")
		}
	})
}

// TestNewWaiterKeepsImplicitHub: a Waiter made by NewWaiter on the owner
// of an implicit hub keeps the hub across the owner's other blocking calls
// until a wait on it returns, so that a greenlet spawned later can wake
// it; then the hub goes. (It used to go at the Join, leaving w bound to a
// destroyed hub: Wait failed with "called from a context that did not
// create it".) A Waiter woken before its wait returns its result after
// the hub is released, too.
func TestNewWaiterKeepsImplicitHub(t *testing.T) {
	onPlainGoroutine(t, func() {
		g := gevent.Go(func() {}) // the goroutine has an implicit hub now
		w := gevent.NewWaiter()   // bound to its owner
		if err := g.Join(); err != nil {
			t.Errorf("Join = %v", err)
		}
		if !gevent.HasHub() {
			t.Error("hub released while a Waiter of its owner is armed")
		}
		gevent.Go(func() { w.Switch() })
		if err := w.Wait(); err != nil {
			t.Errorf("Wait = %v; want nil (woken by a greenlet spawned after the Join)", err)
		}
		if gevent.HasHub() {
			t.Error("hub kept after the Waiter's wait returned")
		}
		if err := w.Wait(); err != nil {
			t.Errorf("second Wait after the release = %v; want nil (a woken Waiter stays woken)", err)
		}
	})
}

// TestNewWaiterWokenBeforeOtherWaits: a Waiter switched before the owner
// waits on it still keeps the hub through a Join in between, and its Wait
// returns nil without blocking.
func TestNewWaiterWokenBeforeOtherWaits(t *testing.T) {
	onPlainGoroutine(t, func() {
		w := gevent.NewWaiter()
		if gevent.HasHub() {
			t.Error("NewWaiter on a plain goroutine made a hub")
			return
		}
		g := gevent.Go(func() {})
		w2 := gevent.NewWaiter() // on the hub's owner
		w2.Switch()
		if err := g.Join(); err != nil {
			t.Errorf("Join = %v", err)
		}
		if !gevent.HasHub() {
			t.Error("hub released while a woken Waiter of its owner was not waited on")
		}
		if err := w2.Wait(); err != nil {
			t.Errorf("Wait = %v; want nil", err)
		}
		if err := gevent.Go(func() {}).Join(); err != nil {
			t.Errorf("last Join = %v", err)
		}
		if gevent.HasHub() {
			t.Error("hub kept after the Waiter's wait and a Join")
		}
		w.Switch() // the plain goroutine's Waiter: a channel
		if err := w.Wait(); err != nil {
			t.Errorf("plain Waiter's Wait = %v; want nil", err)
		}
	})
}
