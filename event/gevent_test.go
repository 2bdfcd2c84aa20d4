package event_test

// Cases ported from gevent's src/gevent/tests/test__event.py and
// test__greenlet.py. Each test names the gevent test it comes from; the
// expected results were checked by running the same program with gevent
// 22.10.2.

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
)

// rawLinker is the part of Event and AsyncResult these tests use.
type rawLinker interface {
	RawLink(fn func()) gevent.LinkID
	Unlink(id gevent.LinkID)
}

// TestGeventMultipleListenersErrorUnlink is test__greenlet.py
// TestStuff.test_multiple_listeners_error_unlink_AsyncResult_rawlink, for
// AsyncResult and Event: two links that unlink each other, and a third. The
// first to run unlinks the second, which must not run although the
// notification has started. gevent: [5].
func TestGeventMultipleListenersErrorUnlink(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (rawLinker, func())
	}{
		{"AsyncResult", func() (rawLinker, func()) {
			ar := new(event.AsyncResult[int])
			return ar, func() { ar.Set(6) }
		}},
		{"Event", func() (rawLinker, func()) {
			e := new(event.Event)
			return e, e.Set
		}},
	} {
		for _, from := range []string{"greenlet", "goroutine"} {
			t.Run(tc.name+" set by a "+from, func(t *testing.T) {
				run(t, func() {
					obj, set := tc.make()
					var results []int
					var id1, id2 gevent.LinkID
					id1 = obj.RawLink(func() { obj.Unlink(id2); results = append(results, 5) })
					id2 = obj.RawLink(func() { obj.Unlink(id1); results = append(results, 5) })
					obj.RawLink(func() {})
					if from == "greenlet" {
						gevent.Go(set)
					} else {
						done := make(chan struct{})
						go func() { set(); close(done) }()
						<-done
					}
					gevent.Sleep(10 * time.Millisecond)
					if !slices.Equal(results, []int{5}) {
						t.Errorf("results = %v; want [5]", results)
					}
				})
			})
		}
	}
}

// TestGeventSetDuringWait is TestGeventWaitOnEvent.test_set_during_wait
// (gevent issue 771): after a Set has woken the waiter and the waiter has
// cleared the Event, a gevent.Wait with a timeout finds it not ready.
func TestGeventSetDuringWait(t *testing.T) {
	run(t, func() {
		var e event.Event
		waiter := gevent.Go(func() {
			s := gevent.Go(e.Set)
			if err := e.Wait(); err != nil || !e.Ready() {
				t.Errorf("Wait = %v, Ready %v; want nil, true", err, e.Ready())
			}
			s.Join()
			e.Clear()
			if got, _ := gevent.Wait([]*event.Event{&e}, gevent.Within(10*time.Millisecond)); len(got) != 0 || e.Ready() {
				t.Errorf("Wait after Clear = %d ready, Ready %v; want none, false", len(got), e.Ready())
			}
		})
		waiter.Join()
	})
}

// TestGeventAsyncResultSetExc is TestAsyncResult.test_set_exc: a blocked Get
// returns the error set. gevent: [('caught', obj)].
func TestGeventAsyncResultSetExc(t *testing.T) {
	run(t, func() {
		var ar event.AsyncResult[int]
		if ar.Err() != nil {
			t.Errorf("Err of a new AsyncResult = %v; want nil", ar.Err())
		}
		var caught []error
		gevent.Go(func() {
			_, err := ar.Get()
			caught = append(caught, err)
		})
		ar.SetError(errBoom)
		gevent.Sleep(0)
		if len(caught) != 1 || caught[0] != errBoom {
			t.Errorf("caught = %v; want [boom]", caught)
		}
	})
}

// TestGeventAsyncResultSetUnderTimeout is TestAsyncResult.test_set: a Get
// under Timeout(0, exc) is interrupted by exc before a later Set.
func TestGeventAsyncResultSetUnderTimeout(t *testing.T) {
	run(t, func() {
		var ar event.AsyncResult[string]
		errInterrupted := errors.New("interrupted")
		g := gevent.Go(func() {
			gevent.Sleep(50 * time.Millisecond)
			ar.Set("hello event1")
		})
		to, err := gevent.StartTimeout(0, errInterrupted)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ar.Get(); err != errInterrupted {
			t.Errorf("Get under Timeout(0) = %v; want the Timeout's error", err)
		}
		to.Cancel()
		g.Kill()
	})
}

// TestGeventAsyncResultSetWithTimeout is TestAsyncResult.test_set_with_timeout
// and test_nonblocking_get: a result nobody sets times out, with and
// without waiting.
func TestGeventAsyncResultSetWithTimeout(t *testing.T) {
	run(t, func() {
		var ar event.AsyncResult[int]
		if _, err := ar.GetTimeout(10 * time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("GetTimeout = %v; want ErrTimeout", err)
		}
		if _, err := ar.TryGet(); !errors.Is(err, gevent.ErrNotReady) {
			t.Errorf("TryGet = %v; want ErrNotReady", err)
		}
	})
}

// TestGeventSetThenClear is TestEvent_SetThenClear with N = 1, 100, 1000:
// waiters woken by a Set return even though the Event is cleared before
// they run.
func TestGeventSetThenClear(t *testing.T) {
	for _, n := range []int{1, 100, 1000} {
		run(t, func() {
			var e event.Event
			gs := make([]*gevent.Greenlet[struct{}], n)
			for i := range gs {
				gs[i] = gevent.Go(func() {
					if err := e.Wait(); err != nil {
						t.Errorf("Wait = %v", err)
					}
				})
			}
			gevent.Sleep(time.Millisecond)
			e.Set()
			e.Clear()
			joinAll(t, gs...)
		})
	}
}

// TestGeventWaitWhileNotifying is TestEventBasics.test_wait_while_notifying
// (gevent issue 1520): a Wait on a set Event that is still notifying its
// waiters returns after them. gevent: [1, 2, 3].
func TestGeventWaitWhileNotifying(t *testing.T) {
	run(t, func() {
		var e event.Event
		var results []int
		waitThenAppend := func(v int) {
			e.Wait()
			results = append(results, v)
		}
		gevent.Go(func() { waitThenAppend(1) })
		gevent.Go(func() { waitThenAppend(2) })
		gevent.Idle()
		if n := e.LinkCount(); n != 2 {
			t.Errorf("LinkCount = %d; want 2", n)
		}
		e.Set()
		waitThenAppend(3)
		if !slices.Equal(results, []int{1, 2, 3}) {
			t.Errorf("results = %v; want [1 2 3]", results)
		}
	})
}

// TestGeventWaitTwiceWhenAlreadySet is
// TestEventBasics.test_gevent_wait_twice_when_already_set.
func TestGeventWaitTwiceWhenAlreadySet(t *testing.T) {
	run(t, func() {
		var e event.Event
		e.Set()
		for i := range 2 {
			if got, err := gevent.Wait([]*event.Event{&e}); err != nil || len(got) != 1 || got[0] != &e {
				t.Errorf("Wait %d = %v; want [e]", i, got)
			}
		}
	})
}

// TestGeventAsyncResultAsLinkTarget is TestAsyncResultAsLinkTarget.test_set
// and test_set_exception: g.Link(ar.SetFrom) copies a greenlet's value or
// error.
func TestGeventAsyncResultAsLinkTarget(t *testing.T) {
	run(t, func() {
		gevent.CurrentHub().SetErrorStream(nil)
		var ok, failed event.AsyncResult[int]
		gevent.Spawn(func() (int, error) { return 1, nil }).Link(ok.SetFrom)
		gevent.Spawn(func() (int, error) { return 0, errBoom }).Link(failed.SetFrom)
		if v, err := ok.Get(); v != 1 || err != nil {
			t.Errorf("value = %d, %v; want 1, nil", v, err)
		}
		if _, err := failed.Get(); err != errBoom {
			t.Errorf("error = %v; want boom", err)
		}
	})
}

// TestTimedWaitsAtOnce: a duration d <= 0 does not wait (issue 9's rule):
// the timed forms report the current state without letting another
// greenlet run, even one that would make the object ready.
func TestTimedWaitsAtOnce(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		run(t, func() {
			var e event.Event
			var ar event.AsyncResult[int]
			gevent.Go(func() { e.Set(); ar.Set(1) })
			if ok, err := e.WaitTimeout(d); ok || err != nil {
				t.Errorf("Event.WaitTimeout(%v) = %v, %v; want false, nil without a switch", d, ok, err)
			}
			if ok, err := ar.WaitTimeout(d); ok || err != nil {
				t.Errorf("AsyncResult.WaitTimeout(%v) = %v, %v; want false, nil without a switch", d, ok, err)
			}
			if _, err := ar.GetTimeout(d); !errors.Is(err, gevent.ErrTimeout) {
				t.Errorf("AsyncResult.GetTimeout(%v) = %v; want ErrTimeout without a switch", d, err)
			}
			gevent.Sleep(0)
			if ok, err := e.WaitTimeout(d); !ok || err != nil {
				t.Errorf("Event.WaitTimeout(%v) once set = %v, %v; want true, nil", d, ok, err)
			}
			if v, err := ar.GetTimeout(d); v != 1 || err != nil {
				t.Errorf("AsyncResult.GetTimeout(%v) once set = %v, %v; want 1, nil", d, v, err)
			}
		})
	}
}
