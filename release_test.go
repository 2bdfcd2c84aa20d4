package gevent_test

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/local"
	"github.com/geventgo/gevent/lock"
)

// TestImplicitHubReleasedAfterJoin: 500 plain goroutines that each run
// gevent.Go(f).Join() and exit leave no hub, descriptor or goroutine behind
// (issue 8 §6 (d): each used to keep a hub with an epoll fd and an eventfd).
func TestImplicitHubReleasedAfterJoin(t *testing.T) {
	spawnJoin := func(n int) {
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := gevent.Go(func() { gevent.Sleep(0) }).Join(); err != nil {
					t.Errorf("Join = %v", err)
				}
				if gevent.HasHub() {
					t.Error("goroutine still owns a hub after Go(f).Join()")
				}
			}()
		}
		wg.Wait()
	}
	spawnJoin(1) // warm up
	fds, gs, hubs := openFDs(t), runtime.NumGoroutine(), gevent.HubCount()
	spawnJoin(500)
	if now := openFDs(t); now > fds+3 {
		t.Errorf("after 500 goroutines ran Go(f).Join(): %d open descriptors; want at most %d", now, fds+3)
	}
	if now := gevent.HubCount(); now > hubs {
		t.Errorf("after 500 goroutines ran Go(f).Join(): %d hubs registered; want at most %d", now, hubs)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > gs && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if now := runtime.NumGoroutine(); now > gs {
		t.Errorf("%d goroutines left; want at most %d", now, gs)
	}
}

// TestImplicitHubReleaseKeepsIdentity: a goroutine that holds an RLock and
// a local.Local value keeps both across two Go(f).Join() calls, each of
// which makes and releases a hub.
func TestImplicitHubReleaseKeepsIdentity(t *testing.T) {
	var l local.Local[string]
	var rl lock.RLock
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Set("mine")
		if err := rl.Acquire(); err != nil {
			t.Errorf("Acquire = %v", err)
			return
		}
		for i := range 2 {
			if err := gevent.Go(func() {}).Join(); err != nil {
				t.Errorf("Join %d = %v", i, err)
			}
			if gevent.HasHub() {
				t.Errorf("hub kept after Join %d", i)
			}
			if v, ok := l.Get(); v != "mine" || !ok {
				t.Errorf("Local after Join %d = %q, %v; want mine, true", i, v, ok)
			}
		}
		if !rl.Owned() {
			t.Error("RLock not owned after two spawn/join rounds")
			return
		}
		if err := rl.Release(); err != nil {
			t.Errorf("Release = %v", err)
		}
		l.Delete()
		if h := gevent.CurrentHub(); h != nil {
			h.Destroy()
		}
	}()
	<-done
}

// TestCurrentHubPinsImplicitHub: a goroutine that called CurrentHub keeps
// that hub across spawns.
func TestCurrentHubPinsImplicitHub(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
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
	}()
	<-done
}

// TestReleasedHubGreenletHandle: the handle of a greenlet of a released
// hub still reports its result, and Kill and Link on it work.
func TestReleasedHubGreenletHandle(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
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
	}()
	<-done
}

// TestImplicitHubReleaseAfterOtherWaits: the owner's other blocking calls
// (Sleep, JoinAll, Kill) release a quiet implicit hub too, and later gevent
// calls on the goroutine work on a new hub. A wait with a bound
// (JoinTimeout) still has its timer on the loop when it returns, so the
// hub goes at the next unbounded wait.
func TestImplicitHubReleaseAfterOtherWaits(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
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
			}, false},
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
	}()
	<-done
}
