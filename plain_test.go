package gevent_test

// Helpers of the tests of plain goroutines: what they leave behind when
// they exit (leak_test.go, release_test.go) and what they keep while they
// get and lose hubs (identity_test.go, release_test.go).

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/local"
	"github.com/geventgo/gevent/lock"
)

// onPlainGoroutine runs fn on a new goroutine, which has no hub, and waits
// until it returns; it fails the test if that takes more than 30 s (fn
// hangs).
func onPlainGoroutine(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the goroutine did not return in 30 s")
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(es)
}

// resources counts what goroutines that exit may leave behind.
type resources struct{ fds, goroutines, hubs int }

func measure(t *testing.T) resources {
	t.Helper()
	return resources{fds: openFDs(t), goroutines: runtime.NumGoroutine(), hubs: gevent.HubCount()}
}

// checkFDsAndHubs fails t if more than fdSlack descriptors beyond base, or
// more hubs than base, are open after what.
func (base resources) checkFDsAndHubs(t *testing.T, what string, fdSlack int) {
	t.Helper()
	if now := openFDs(t); now > base.fds+fdSlack {
		t.Errorf("after %s: %d open descriptors; want at most %d", what, now, base.fds+fdSlack)
	}
	if now := gevent.HubCount(); now > base.hubs {
		t.Errorf("after %s: %d hubs registered; want at most %d", what, now, base.hubs)
	}
}

// checkGoroutines fails t if more goroutines than base are left once those
// that are ending (asynchronously) have had 10 s to go.
func (base resources) checkGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base.goroutines && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if now := runtime.NumGoroutine(); now > base.goroutines {
		t.Errorf("%d goroutines left; want at most %d", now, base.goroutines)
	}
}

// identity is what a goroutine keeps while it gets and loses hubs (issue 8
// §5): a local value and an RLock it holds.
type identity struct {
	l  local.Local[string]
	rl lock.RLock
}

// take sets the value and takes the lock on the calling goroutine; false
// (and t failed) if the lock cannot be taken.
func (id *identity) take(t *testing.T) bool {
	id.l.Set("mine")
	if err := id.rl.Acquire(); err != nil {
		t.Errorf("Acquire = %v", err)
		return false
	}
	return true
}

// kept fails t and reports false unless the calling goroutine still has
// the value and owns the lock, after when.
func (id *identity) kept(t *testing.T, when string) bool {
	if v, ok := id.l.Get(); v != "mine" || !ok {
		t.Errorf("Local %s = %q, %v; want mine, true", when, v, ok)
		return false
	}
	if !id.rl.Owned() {
		t.Errorf("RLock not owned %s", when)
		return false
	}
	return true
}

// drop releases the lock n times and deletes the value.
func (id *identity) drop(t *testing.T, n int) {
	for i := range n {
		if err := id.rl.Release(); err != nil {
			t.Errorf("Release %d = %v", i, err)
		}
	}
	id.l.Delete()
}
