package gevent_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
)

// sleeper returns a greenlet that sleeps d and returns v.
func sleeper(d time.Duration, v int) *gevent.Greenlet[int] {
	return gevent.Spawn(func() (int, error) { return v, gevent.Sleep(d) })
}

// after returns a greenlet that joins prev, then returns v: it finishes after
// prev, whatever the timers on a loaded machine do.
func after(prev *gevent.Greenlet[int], v int) *gevent.Greenlet[int] {
	return gevent.Spawn(func() (int, error) {
		_, err := prev.Get()
		return v, err
	})
}

func values(gs []*gevent.Greenlet[int]) []int {
	var vs []int
	for _, g := range gs {
		vs = append(vs, g.Value())
	}
	return vs
}

// TestJoinAllCompletionOrder: JoinAll returns the finished greenlets in
// completion order, the ones already finished first in input order.
func TestJoinAllCompletionOrder(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		f1 := sleeper(0, 1)
		f2 := sleeper(0, 2)
		gevent.JoinAll([]*gevent.Greenlet[int]{f1, f2})
		// 10, 20 and 30 finish in that order: each waits for the one before.
		g10 := sleeper(0, 10)
		g20 := after(g10, 20)
		g30 := after(g20, 30)
		gs := []*gevent.Greenlet[int]{g30, f2, g10, f1, g20}
		done, err := gevent.JoinAll(gs)
		if err != nil {
			t.Fatalf("JoinAll = %v", err)
		}
		if got, want := values(done), []int{2, 1, 10, 20, 30}; !slices.Equal(got, want) {
			t.Errorf("completion order = %v; want %v", got, want)
		}
		if done, err := gevent.JoinAll([]*gevent.Greenlet[int]{}); len(done) != 0 || err != nil {
			t.Errorf("JoinAll(empty) = %v, %v", done, err)
		}
	})
}

// TestJoinAllWithin: a limit returns the finished ones without an error.
func TestJoinAllWithin(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		slow := sleeper(time.Hour, 1)
		// The fast one ends in the callbacks of the first loop iteration,
		// before any timer: a 1 ms sleeper could lose to the limit on a
		// loaded machine, whose timer is due in the same iteration.
		gs := []*gevent.Greenlet[int]{slow, sleeper(0, 2)}
		start := time.Now()
		done, err := gevent.JoinAll(gs, gevent.Within(20*time.Millisecond))
		d := time.Since(start)
		if err != nil || !slices.Equal(values(done), []int{2}) {
			t.Errorf("JoinAll(Within 20ms) = %v, %v; want [2], nil", values(done), err)
		}
		if d < 20*time.Millisecond || d > 2*time.Second {
			t.Errorf("JoinAll(Within 20ms) took %v", d)
		}
		if done, err := gevent.JoinAll(gs, gevent.Within(0)); len(done) != 1 || err != nil {
			t.Errorf("JoinAll(Within 0) = %d done, %v; want the 1 finished, nil", len(done), err)
		}
		slow.Kill()
	})
}

// TestJoinAllRaiseError: with RaiseError, the error of the first greenlet to
// fail, in completion order, ends the wait.
func TestJoinAllRaiseError(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		errFirst := errors.New("first")
		slow := sleeper(time.Hour, 0)
		late := gevent.Spawn(func() (int, error) { gevent.Sleep(60 * time.Millisecond); return 2, errBoom })
		first := gevent.Spawn(func() (int, error) { gevent.Sleep(30 * time.Millisecond); return 1, errFirst })
		ok := sleeper(time.Millisecond, 3)
		done, err := gevent.JoinAll([]*gevent.Greenlet[int]{slow, late, first, ok}, gevent.RaiseError())
		if !errors.Is(err, errFirst) {
			t.Errorf("JoinAll(RaiseError) = %v; want the first failure", err)
		}
		if len(done) != 2 || done[0] != ok || done[1] != first {
			t.Errorf("done = %v; want [ok first]", done)
		}
		// Without RaiseError failures do not show.
		if _, err := gevent.JoinAll([]*gevent.Greenlet[int]{late, first}); err != nil {
			t.Errorf("JoinAll of failed greenlets = %v; want nil", err)
		}
		slow.Kill()
	})
}

func TestJoinAllCount(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		g3 := sleeper(0, 3)
		gs := []*gevent.Greenlet[int]{sleeper(time.Hour, 1), after(g3, 2), g3}
		done, err := gevent.JoinAll(gs, gevent.Count(2))
		if err != nil || !slices.Equal(values(done), []int{3, 2}) {
			t.Errorf("JoinAll(Count 2) = %v, %v; want [3 2], nil", values(done), err)
		}
		if got, _ := gevent.Wait(gs, gevent.Count(1)); !slices.Equal(values(got), []int{2}) {
			t.Errorf("Wait(Count 1) = %v; want [2] (ready ones first, in input order)", values(got))
		}
		if got, _ := gevent.Wait(gs, gevent.Within(time.Millisecond)); len(got) != 2 {
			t.Errorf("Wait(Within 1ms) returned %d; want 2", len(got))
		}
		gs[0].Kill()
		if got, _ := gevent.Wait(gs); len(got) != 3 {
			t.Errorf("Wait = %d greenlets; want 3", len(got))
		}
		for _, g := range gs {
			if n := gevent.LinkCount(g); n != 0 {
				t.Errorf("%s keeps %d links after the waits", g.Name(), n)
			}
		}
	})
}

// TestJoinAllInterrupted: a kill of the waiting greenlet ends JoinAll with
// its error and removes JoinAll's links.
func TestJoinAllInterrupted(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		target := sleeper(time.Hour, 0)
		var err error
		var done []*gevent.Greenlet[int]
		waiter := gevent.Go(func() { done, err = gevent.JoinAll([]*gevent.Greenlet[int]{target}) })
		gevent.Sleep(0)
		waiter.Kill()
		if !errors.Is(err, gevent.ErrGreenletExit) || len(done) != 0 {
			t.Errorf("killed JoinAll = %v, %v; want [], ErrGreenletExit", done, err)
		}
		if n := gevent.LinkCount(target); n != 0 {
			t.Errorf("target keeps %d links after the interrupted JoinAll", n)
		}
		target.Kill()
	})
}

// fake is a Waitable that counts its links.
type fake struct {
	ready bool
	links map[gevent.LinkID]func()
	next  gevent.LinkID
	added int
}

func (f *fake) Ready() bool { return f.ready }
func (f *fake) RawLink(fn func()) gevent.LinkID {
	if f.links == nil {
		f.links = map[gevent.LinkID]func(){}
	}
	f.next++
	f.added++
	f.links[f.next] = fn
	if f.ready {
		fn()
	}
	return f.next
}
func (f *fake) Unlink(id gevent.LinkID) { delete(f.links, id) }
func (f *fake) set() {
	f.ready = true
	for _, fn := range f.links {
		fn()
	}
}

// TestIWait: IWait yields in completion order, and leaving the loop early
// removes every link it made.
func TestIWait(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		a, b, c := &fake{}, &fake{}, &fake{}
		gevent.Go(func() {
			for _, f := range []*fake{b, c, a} {
				gevent.Sleep(time.Millisecond)
				f.set()
			}
		})
		var got []*fake
		for f := range gevent.IWait([]*fake{a, b, c}) {
			got = append(got, f)
		}
		if !slices.Equal(got, []*fake{b, c, a}) {
			t.Errorf("IWait order = %v; want b, c, a", got)
		}

		x, y := &fake{}, &fake{}
		g := sleeper(0, 1)
		n := 0
		for range gevent.IWait([]gevent.Waitable{x, g, y}) {
			n++
			break
		}
		if n != 1 {
			t.Errorf("loop ran %d times; want 1", n)
		}
		if len(x.links) != 0 || len(y.links) != 0 || gevent.LinkCount(g) != 0 || x.added != 1 {
			t.Errorf("after break: links left x %d, y %d, g %d; want 0", len(x.links), len(y.links), gevent.LinkCount(g))
		}

		// Within ends the iteration silently; Count stops after n.
		start := time.Now()
		n = 0
		for range gevent.IWait([]*fake{x, y}, gevent.Within(10*time.Millisecond)) {
			n++
		}
		if n != 0 || time.Since(start) < 10*time.Millisecond {
			t.Errorf("IWait(Within 10ms) over unready objects yielded %d after %v", n, time.Since(start))
		}
		x.set()
		y.set()
		n = 0
		for range gevent.IWait([]*fake{x, y}, gevent.Count(1)) {
			n++
		}
		if n != 1 {
			t.Errorf("IWait(Count 1) yielded %d; want 1", n)
		}
	})
}

// TestWaitAcrossHubs: JoinAll in one hub waits for greenlets of another.
func TestWaitAcrossHubs(t *testing.T) {
	gch := make(chan []*gevent.Greenlet[int], 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		gevent.Run(func() {
			// Input order is completion order, so the result does not depend
			// on when the other hub starts waiting.
			gs := []*gevent.Greenlet[int]{sleeper(10*time.Millisecond, 1), sleeper(20*time.Millisecond, 2)}
			gch <- gs
			gevent.JoinAll(gs)
		})
	}()
	gs := <-gch
	runHub(t, func(*gevent.Hub) {
		done, err := gevent.JoinAll(gs, gevent.Within(5*time.Second))
		if err != nil || !slices.Equal(values(done), []int{1, 2}) {
			t.Errorf("JoinAll across hubs = %v, %v; want [1 2], nil", values(done), err)
		}
	})
	<-done
}

// TestOuterTimeoutReachesWaitAndIWait: a Timeout that expires while the
// caller waits in Wait, IWait or JoinAll is returned to it, not swallowed
// (issue 8 §4; gevent 22.10.2 raises the caller's own Timeout out of
// wait([Event()]), list(iwait([Event()])) and joinall([...])).
func TestOuterTimeoutReachesWaitAndIWait(t *testing.T) {
	inGreenlet(t, func() {
		never := []*event.Event{new(event.Event)}
		to, _ := gevent.StartTimeout(10*time.Millisecond, nil)
		if got, err := gevent.Wait(never); err != to || len(got) != 0 {
			t.Errorf("Wait under an expiring Timeout = %v, %v; want [], the Timeout", got, err)
		}
		to, _ = gevent.StartTimeout(10*time.Millisecond, nil)
		var errs []error
		for e, err := range gevent.IWait(never) {
			if e != nil {
				t.Errorf("IWait yielded %v", e)
			}
			errs = append(errs, err)
		}
		if len(errs) != 1 || errs[0] != to {
			t.Errorf("IWait under an expiring Timeout yielded errors %v; want [the Timeout]", errs)
		}
		slow := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		to, _ = gevent.StartTimeout(10*time.Millisecond, nil)
		if got, err := gevent.JoinAll([]*gevent.Greenlet[int]{slow}); err != to || len(got) != 0 {
			t.Errorf("JoinAll under an expiring Timeout = %v, %v; want [], the Timeout", got, err)
		}
		slow.Kill()
	})
}

// TestZeroTimeoutJoinAllOfDead: under Timeout(0), JoinAll of greenlets
// that are already dead needs no wait and succeeds (test__queue.py
// TestChannel.test_zero_max_size ends so; gevent 22.10.2: joinall returns
// both). The whole gevent case is queue's TestGeventChannelZeroMaxSize.
func TestZeroTimeoutJoinAllOfDead(t *testing.T) {
	inGreenlet(t, func() {
		gs := []*gevent.Greenlet[struct{}]{gevent.Go(func() {}), gevent.Go(func() { gevent.Sleep(0) })}
		for i, g := range gs {
			if err := g.Join(); err != nil {
				t.Errorf("Join %d = %v", i, err)
				return
			}
		}
		to, err := gevent.StartTimeout(0, nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer to.Cancel()
		if got, err := gevent.JoinAll(gs); err != nil || len(got) != 2 {
			t.Errorf("JoinAll of dead greenlets under Timeout(0) = %v, %v; want both, nil", got, err)
		}
	})
}
