package hubapi_test

import (
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hooks"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func runHub(t *testing.T, fn func(h *gevent.Hub)) {
	t.Helper()
	if err := gevent.Run(func() { fn(gevent.CurrentHub()) }); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// TestLocalSlot: each greenlet, hub goroutine and plain goroutine sees its
// own value.
func TestLocalSlot(t *testing.T) {
	s := hubapi.NewLocalSlot()
	if s2 := hubapi.NewLocalSlot(); s2 == s {
		t.Fatal("NewLocalSlot returned the same slot twice")
	}
	runHub(t, func(*gevent.Hub) {
		s.Set("main")
		var inA, inB any
		var setB bool
		a := gevent.Go(func() { s.Set("a"); gevent.Sleep(0); inA, _ = s.Get() })
		b := gevent.Go(func() { inB, setB = s.Get() })
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b})
		if inA != "a" || setB || inB != nil {
			t.Errorf("a sees %v, b sees %v (set %v); want a, unset", inA, inB, setB)
		}
		if v, ok := s.Get(); v != "main" || !ok {
			t.Errorf("main sees %v, %v; want main, true", v, ok)
		}
		s.Delete()
		if _, ok := s.Get(); ok {
			t.Error("value still set after Delete")
		}
	})
	done := make(chan any)
	go func() {
		s.Set("plain")
		v, _ := s.Get()
		s.Delete()
		done <- v
	}()
	if v := <-done; v != "plain" {
		t.Errorf("plain goroutine sees %v; want plain", v)
	}
}

// TestAffinity: Touch reports sharing once a second hub or a plain goroutine
// uses the object.
func TestAffinity(t *testing.T) {
	var a hubapi.Affinity
	runHub(t, func(*gevent.Hub) {
		for i := range 2 {
			if hubapi.Touch(&a) {
				t.Errorf("Touch %d from one hub reports sharing", i)
			}
		}
		gevent.Go(func() {
			if hubapi.Touch(&a) {
				t.Error("Touch from a greenlet of the same hub reports sharing")
			}
		}).Join()
	})
	runHub(t, func(*gevent.Hub) {
		if !hubapi.Touch(&a) || !hubapi.Shared(&a) {
			t.Error("Touch from a second hub does not report sharing")
		}
	})
	var b hubapi.Affinity
	done := make(chan bool)
	go func() { done <- hubapi.Touch(&b) }()
	if !<-done {
		t.Error("Touch from a plain goroutine does not report sharing")
	}
}

// TestHere: Here names the hub and tells loop callbacks apart, without
// creating a hub for a plain goroutine.
func TestHere(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		if got, cb := hubapi.Here(); got != h || cb {
			t.Errorf("owner: Here() = %p, %v; want %p, false", got, cb, h)
		}
		gevent.Go(func() {
			if got, cb := hubapi.Here(); got != h || cb {
				t.Errorf("greenlet: Here() = %p, %v; want %p, false", got, cb, h)
			}
		}).Join()
		done := gevent.NewWaiter()
		h.RunCallback(func() {
			if got, cb := hubapi.Here(); got != h || !cb {
				t.Errorf("callback: Here() = %p, %v; want %p, true", got, cb, h)
			}
			done.Switch()
		})
		done.Wait()
	})
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		if got, cb := hubapi.Here(); got != nil || cb {
			t.Errorf("plain goroutine: Here() = %p, %v; want nil, false", got, cb)
		}
		if hubapi.CurrentHubIfAny() != nil {
			t.Error("Here created a hub")
		}
	}()
	<-ch
}

// homed embeds an Affinity as the module's waitable objects do.
type aff = hubapi.Affinity

type homed struct{ aff }

// TestHomeOf: gevent finds the hub of an object that embeds an Affinity
// while one hub alone uses it, and none once it is shared or for an object
// without one.
func TestHomeOf(t *testing.T) {
	var o homed
	runHub(t, func(h *gevent.Hub) {
		if got := hooks.HomeOf(&o); got != nil {
			t.Errorf("HomeOf before any use = %v; want nil", got)
		}
		hubapi.Touch(&o.aff)
		if got := hooks.HomeOf(&o); got != any(h) {
			t.Errorf("HomeOf after a use by h = %v; want %p", got, h)
		}
		if got := hooks.HomeOf(new(int)); got != nil {
			t.Errorf("HomeOf(*int) = %v; want nil", got)
		}
		hubapi.Share(&o.aff)
		if got := hooks.HomeOf(&o); got != nil {
			t.Errorf("HomeOf after Share = %v; want nil", got)
		}
	})
}
