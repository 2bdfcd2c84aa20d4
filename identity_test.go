package gevent_test

import (
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/local"
	"github.com/geventgo/gevent/lock"
)

// TestGoroutineKeepsIdentityWhenItGetsAHub: a goroutine without a hub sets
// a local.Local and takes an RLock, then gets a hub by its first
// gevent.Go(f).Join(): the value and the lock ownership survive, and
// survive the hub's Destroy too (issue 8 §5; gevent 22.10.2, in a new
// thread: prints the local's value and releases the lock).
func TestGoroutineKeepsIdentityWhenItGetsAHub(t *testing.T) {
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
		if err := gevent.Go(func() {}).Join(); err != nil {
			t.Errorf("Join = %v", err)
		}
		if v, ok := l.Get(); v != "mine" || !ok {
			t.Errorf("Local after the goroutine got a hub = %q, %v; want mine, true", v, ok)
		}
		if !rl.Owned() {
			t.Error("RLock not owned after the goroutine got a hub")
			gevent.CurrentHub().Destroy()
			return
		}
		if err := rl.Acquire(); err != nil {
			t.Errorf("re-entrant Acquire = %v", err)
		}
		gevent.CurrentHub().Destroy()
		if v, ok := l.Get(); v != "mine" || !ok {
			t.Errorf("Local after the hub's Destroy = %q, %v; want mine, true", v, ok)
		}
		for i := range 2 {
			if err := rl.Release(); err != nil {
				t.Errorf("Release %d = %v", i, err)
			}
		}
		l.Delete()
	}()
	<-done
}
