package event_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
)

// run runs fn as the main greenlet of a fresh hub.
func run(t *testing.T, fn func()) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatalf("gevent.Run = %v", err)
	}
}

// joinAll joins gs and fails the test on a wait error.
func joinAll[T any](t *testing.T, gs ...*gevent.Greenlet[T]) {
	t.Helper()
	if _, err := gevent.JoinAll(gs, gevent.Within(10*time.Second)); err != nil {
		t.Fatalf("JoinAll = %v", err)
	}
	for _, g := range gs {
		if !g.Ready() {
			t.Fatalf("%v did not finish", g)
		}
	}
}

// logWaiters spawns n greenlets that log "wait i", call wait, and log
// "woke i <result>".
func logWaiters(n int, log *[]string, wait func() string) []*gevent.Greenlet[struct{}] {
	gs := make([]*gevent.Greenlet[struct{}], n)
	for i := range gs {
		gs[i] = gevent.Go(func() {
			*log = append(*log, fmt.Sprintf("wait %d", i))
			*log = append(*log, fmt.Sprintf("woke %d %s", i, wait()))
		})
	}
	return gs
}

func TestEventOrder(t *testing.T) {
	tests := []struct {
		name string
		body func(t *testing.T, e *event.Event, log *[]string)
		want []string
	}{{
		name: "waiters wake FIFO after the setter yields",
		body: func(t *testing.T, e *event.Event, log *[]string) {
			gs := logWaiters(3, log, func() string { return fmt.Sprint(e.Wait()) })
			gevent.Sleep(0)
			e.Set()
			*log = append(*log, "set")
			joinAll(t, gs...)
		},
		want: []string{"wait 0", "wait 1", "wait 2", "set", "woke 0 <nil>", "woke 1 <nil>", "woke 2 <nil>"},
	}, {
		name: "WaitTimeout is true when the flag was cleared before the waiter ran",
		body: func(t *testing.T, e *event.Event, log *[]string) {
			gs := logWaiters(2, log, func() string {
				ok, err := e.WaitTimeout(10 * time.Second)
				return fmt.Sprint(ok, err)
			})
			gevent.Sleep(0)
			e.Set()
			e.Clear()
			*log = append(*log, fmt.Sprint("cleared ", e.IsSet()))
			joinAll(t, gs...)
		},
		want: []string{"wait 0", "wait 1", "cleared false", "woke 0 true <nil>", "woke 1 true <nil>"},
	}, {
		name: "a caller that finds the flag set during a notification runs after the waiters",
		body: func(t *testing.T, e *event.Event, log *[]string) {
			gs := logWaiters(2, log, func() string { return fmt.Sprint(e.Wait()) })
			gevent.Sleep(0)
			e.Set()
			err := e.Wait()
			*log = append(*log, fmt.Sprint("setter waited ", err))
			joinAll(t, gs...)
		},
		want: []string{"wait 0", "wait 1", "woke 0 <nil>", "woke 1 <nil>", "setter waited <nil>"},
	}, {
		name: "Wait on a set flag with no notification pending does not yield",
		body: func(t *testing.T, e *event.Event, log *[]string) {
			e.Set()
			g := gevent.Go(func() { *log = append(*log, "other greenlet") })
			err := e.Wait()
			*log = append(*log, fmt.Sprint("waited ", err))
			joinAll(t, g)
		},
		want: []string{"waited <nil>", "other greenlet"},
	}, {
		name: "Clear makes Wait block again",
		body: func(t *testing.T, e *event.Event, log *[]string) {
			e.Set()
			e.Clear()
			gs := logWaiters(1, log, func() string { return fmt.Sprint(e.Wait()) })
			gevent.Sleep(0)
			*log = append(*log, fmt.Sprint("links ", e.LinkCount()))
			e.Set()
			joinAll(t, gs...)
		},
		want: []string{"wait 0", "links 1", "woke 0 <nil>"},
	}, {
		name: "timed-out waiter leaves the list and a later Set does not count it",
		body: func(t *testing.T, e *event.Event, log *[]string) {
			ok, err := e.WaitTimeout(5 * time.Millisecond)
			*log = append(*log, fmt.Sprint("timeout ", ok, err, " links ", e.LinkCount()))
			e.Set()
			// Nobody is in flight, so this Wait returns before g runs.
			g := gevent.Go(func() { *log = append(*log, "other greenlet") })
			err = e.Wait()
			*log = append(*log, fmt.Sprint("waited ", err))
			joinAll(t, g)
		},
		want: []string{"timeout false <nil> links 0", "waited <nil>", "other greenlet"},
	}, {
		name: "Set from a loop callback",
		body: func(t *testing.T, e *event.Event, log *[]string) {
			gs := logWaiters(2, log, func() string { return fmt.Sprint(e.Wait()) })
			gevent.CurrentHub().RunCallback(func() {
				*log = append(*log, "callback sets")
				e.Set()
			})
			joinAll(t, gs...)
		},
		want: []string{"wait 0", "wait 1", "callback sets", "woke 0 <nil>", "woke 1 <nil>"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			run(t, func() {
				var e event.Event
				tt.body(t, &e, &log)
			})
			if !slices.Equal(log, tt.want) {
				t.Errorf("log = %q; want %q", log, tt.want)
			}
		})
	}
}

func TestEventErrors(t *testing.T) {
	t.Run("ErrLoopExit when nothing can set it", func(t *testing.T) {
		run(t, func() {
			var e event.Event
			if err := e.Wait(); !errors.Is(err, gevent.ErrLoopExit) {
				t.Errorf("Wait = %v; want ErrLoopExit", err)
			}
			if n := e.LinkCount(); n != 0 {
				t.Errorf("LinkCount = %d; want 0", n)
			}
			// A timed wait keeps the loop alive with its timer.
			if ok, err := e.WaitTimeout(5 * time.Millisecond); ok || err != nil {
				t.Errorf("WaitTimeout = %v, %v; want false, nil", ok, err)
			}
		})
	})
	t.Run("Kill removes a waiting greenlet", func(t *testing.T) {
		run(t, func() {
			var e event.Event
			var got error
			g := gevent.Go(func() { got = e.Wait() })
			gevent.Sleep(0)
			if n := e.LinkCount(); n != 1 {
				t.Fatalf("LinkCount = %d; want 1", n)
			}
			g.Kill()
			if !errors.Is(got, gevent.ErrGreenletExit) {
				t.Errorf("Wait in killed greenlet = %v; want ErrGreenletExit", got)
			}
			if n := e.LinkCount(); n != 0 {
				t.Errorf("LinkCount after kill = %d; want 0", n)
			}
		})
	})
	t.Run("Timeout interrupts Wait", func(t *testing.T) {
		run(t, func() {
			var e event.Event
			to := gevent.NewTimeout(5*time.Millisecond, nil)
			if err := to.Start(); err != nil {
				t.Fatal(err)
			}
			err := e.Wait()
			to.Cancel()
			if !errors.Is(err, to) {
				t.Errorf("Wait = %v; want the Timeout", err)
			}
			if n := e.LinkCount(); n != 0 {
				t.Errorf("LinkCount = %d; want 0", n)
			}
		})
	})
	t.Run("Wait in a loop callback", func(t *testing.T) {
		run(t, func() {
			var unset, set event.Event
			set.Set()
			var errUnset, errSet error = errors.New("not run"), errors.New("not run")
			done := gevent.Spawn(func() (int, error) { return 0, nil })
			gevent.CurrentHub().RunCallback(func() {
				errUnset = unset.Wait()
				errSet = set.Wait()
			})
			joinAll(t, done)
			if !errors.Is(errUnset, gevent.ErrBlockingSwitchOut) {
				t.Errorf("Wait(unset) in callback = %v; want ErrBlockingSwitchOut", errUnset)
			}
			if errSet != nil {
				t.Errorf("Wait(set) in callback = %v; want nil", errSet)
			}
			if n := unset.LinkCount(); n != 0 {
				t.Errorf("LinkCount = %d; want 0", n)
			}
		})
	})
	t.Run("WaitTimeout with a negative duration polls", func(t *testing.T) {
		run(t, func() {
			var e event.Event
			e.IsSet() // nothing else uses e; keep the wait from being a deadlock
			gevent.Go(func() { gevent.Sleep(time.Hour) })
			if ok, err := e.WaitTimeout(-time.Second); ok || err != nil {
				t.Errorf("WaitTimeout(-1s) = %v, %v; want false, nil", ok, err)
			}
			e.Set()
			if ok, err := e.WaitTimeout(-time.Second); !ok || err != nil {
				t.Errorf("WaitTimeout(-1s) on set = %v, %v; want true, nil", ok, err)
			}
		})
	})
}

func TestEventRawLink(t *testing.T) {
	run(t, func() {
		var e event.Event
		var log []string
		e.RawLink(func() { log = append(log, "link 1") })
		id := e.RawLink(func() { log = append(log, "unlinked") })
		gs := logWaiters(1, &log, func() string { return fmt.Sprint(e.Wait()) })
		gevent.Sleep(0)
		e.RawLink(func() { log = append(log, "link 3") })
		e.Unlink(id)
		e.Unlink(12345) // unknown: ignored
		if n := e.LinkCount(); n != 3 {
			t.Errorf("LinkCount = %d; want 3", n)
		}
		e.Set()
		log = append(log, "set")
		joinAll(t, gs...)
		e.RawLink(func() { log = append(log, "link on set") })
		log = append(log, "linked on set")
		gevent.Sleep(0)
		want := []string{"wait 0", "set", "link 1", "woke 0 <nil>", "link 3", "linked on set", "link on set"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
		if n := e.LinkCount(); n != 0 {
			t.Errorf("LinkCount after Set = %d; want 0", n)
		}
	})
}

func TestEventWaitable(t *testing.T) {
	run(t, func() {
		es := []*event.Event{{}, {}, {}}
		gevent.Go(func() {
			es[2].Set()
			gevent.Sleep(0)
			es[0].Set()
		})
		var order []int
		for e := range gevent.IWait(es, gevent.Count(2)) {
			order = append(order, slices.Index(es, e))
		}
		if want := []int{2, 0}; !slices.Equal(order, want) {
			t.Errorf("IWait order = %v; want %v", order, want)
		}
		if n := es[1].LinkCount(); n != 0 {
			t.Errorf("LinkCount of the event left out = %d; want 0", n)
		}
	})
	run(t, func() {
		es := []*event.Event{{}, {}}
		gevent.Go(func() {
			for _, e := range es {
				gevent.Sleep(time.Millisecond)
				e.Set()
			}
		})
		done, err := gevent.JoinAll(es)
		if err != nil || len(done) != 2 || done[0] != es[0] || done[1] != es[1] {
			t.Errorf("JoinAll = %v, %v; want both events in order", done, err)
		}
		for i, e := range es {
			if n := e.LinkCount(); n != 0 {
				t.Errorf("es[%d].LinkCount = %d; want 0", i, n)
			}
		}
	})
	run(t, func() {
		es := []*event.Event{{}, {}}
		es[1].IsSet()
		es[1].Set()
		done, err := gevent.JoinAll(es, gevent.Within(5*time.Millisecond))
		if err != nil || len(done) != 1 || done[0] != es[1] {
			t.Errorf("JoinAll(Within) = %v, %v; want [es[1]], nil", done, err)
		}
		if n := es[0].LinkCount(); n != 0 {
			t.Errorf("LinkCount after IWait = %d; want 0", n)
		}
	})
}

func TestJoinAllOnLonelyEventLoopExit(t *testing.T) {
	gevent.Run(func() {
		var e event.Event
		done, err := gevent.JoinAll([]*event.Event{&e})
		if len(done) != 0 || !errors.Is(err, gevent.ErrLoopExit) {
			t.Errorf("JoinAll = %d, %v; want 0, ErrLoopExit", len(done), err)
		}
	})
}
