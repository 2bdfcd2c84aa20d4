package gevent_test

// Cases ported from gevent's own test suite (src/gevent/tests/), each
// checked against gevent 22.10.2 by running the same program.

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
)

// TestKillMatrix ports test__greenlet.py TestKill, TestKillAfterStart,
// TestKillAfterStartLater and TestKillWhileRunning: in every start state,
// blocking or not, by Kill or KillAll, with ErrGreenletExit or another
// error, the greenlet ends dead and not started, its function never
// completes, its link runs once, it is successful only for
// ErrGreenletExit, and killing it again does no harm (gevent: all 32
// combinations so).
func TestKillMatrix(t *testing.T) {
	for _, mode := range []string{"unstarted", "start", "start later", "running"} {
		for _, block := range []bool{true, false} {
			for _, killall := range []bool{false, true} {
				for _, kerr := range []error{gevent.ErrGreenletExit, errBoom} {
					name := fmt.Sprintf("%s/block=%v/killall=%v/%v", mode, block, killall, kerr == errBoom)
					t.Run(name, func(t *testing.T) {
						runHub(t, func(h *gevent.Hub) {
							h.SetErrorStream(nil)
							testKill(t, mode, block, killall, kerr)
						})
					})
				}
			}
		}
	}
}

func testKill(t *testing.T, mode string, block, killall bool, kerr error) {
	var result []int
	var links []*gevent.Greenlet[int]
	g := gevent.New(func() (int, error) {
		if mode == "running" {
			if err := gevent.Sleep(10 * time.Second); err != nil {
				return 0, err
			}
		}
		result = append(result, 1)
		return 1, nil
	})
	g.Link(func(g *gevent.Greenlet[int]) { links = append(links, g) })
	switch mode {
	case "start":
		g.Start()
	case "start later":
		g.StartLater(time.Second)
	case "running":
		g.Start()
		gevent.Sleep(time.Millisecond)
	}
	opts := []gevent.Option{gevent.WithError(kerr)}
	if !block {
		opts = append(opts, gevent.NoBlock())
	}
	kill := func() {
		if killall {
			gevent.KillAll([]*gevent.Greenlet[int]{g}, opts...)
		} else {
			g.Kill(opts...)
		}
	}
	kill()
	if !block {
		gevent.Sleep(time.Millisecond) // spin the loop for the kill to take effect
	}
	check := func(when string) {
		t.Helper()
		if g.Started() || !g.Dead() || !g.Ready() {
			t.Errorf("%s: Started, Dead, Ready = %v, %v, %v; want false, true, true", when, g.Started(), g.Dead(), g.Ready())
		}
		if want := kerr == gevent.ErrGreenletExit; g.Successful() != want {
			t.Errorf("%s: Successful = %v (Err %v); want %v", when, g.Successful(), g.Err(), want)
		}
	}
	check("after kill")
	gevent.Sleep(10 * time.Millisecond) // the loop must not run it now
	check("after spinning the loop")
	kill()
	gevent.Sleep(10 * time.Millisecond)
	check("after a second kill")
	if len(result) != 0 || len(links) != 1 || links[0] != g {
		t.Errorf("result %v, links %v; want none, [g]", result, links)
	}
}

// TestJoinAllRaiseErrorCases ports test__greenlet.py TestStuff
// test_wait_noerrors, test_wait_error and test_joinall_exception_order
// (gevent: [1 2 3]; 'w' raised while x still runs, and again for [y];
// 'second', the first in completion order).
func TestJoinAllRaiseErrorCases(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		gs := []*gevent.Greenlet[int]{
			gevent.Spawn(func() (int, error) { return 1, nil }),
			gevent.Spawn(func() (int, error) { return 2, nil }),
			gevent.Spawn(func() (int, error) { return 3, nil }),
		}
		done, err := gevent.JoinAll(gs, gevent.RaiseError())
		if err != nil || !slices.Equal(values(done), []int{1, 2, 3}) {
			t.Errorf("test_wait_noerrors: JoinAll = %v, %v; want [1 2 3], nil", values(done), err)
		}

		x := gevent.Spawn(func() (int, error) { return 1, gevent.Sleep(10 * time.Millisecond) })
		y := gevent.Spawn(func() (int, error) { return 0, errBoom })
		if _, err := gevent.JoinAll([]*gevent.Greenlet[int]{x, y}, gevent.RaiseError()); !errors.Is(err, errBoom) || x.Ready() {
			t.Errorf("test_wait_error: JoinAll = %v, x ready %v; want boom, false", err, x.Ready())
		}
		if _, err := gevent.JoinAll([]*gevent.Greenlet[int]{y}, gevent.RaiseError()); !errors.Is(err, errBoom) {
			t.Errorf("test_wait_error: JoinAll([y]) = %v; want boom", err)
		}
		x.Join()

		errFirst, errSecond := errors.New("first"), errors.New("second")
		a := gevent.Spawn(func() (int, error) { gevent.Sleep(100 * time.Millisecond); return 0, errFirst })
		b := gevent.Spawn(func() (int, error) { return 0, errSecond })
		if _, err := gevent.JoinAll([]*gevent.Greenlet[int]{a, b}, gevent.RaiseError()); err != errSecond {
			t.Errorf("test_joinall_exception_order: JoinAll = %v; want second", err)
		}
		gevent.JoinAll([]*gevent.Greenlet[int]{a, b})
	})
}

// TestJoinAllCountWithoutRaiseError ports test__greenlet.py
// test_joinall_count_raise_error: Count(1) still stops the wait when the
// error is not raised (gevent: [raiser], raiser ready, sleeper not).
func TestJoinAllCountWithoutRaiseError(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		sleeper := gevent.Spawn(func() (int, error) {
			for {
				if err := gevent.Sleep(100 * time.Millisecond); err != nil {
					return 0, err
				}
			}
		})
		raiser := gevent.Spawn(func() (int, error) { return 0, errBoom })
		done, err := gevent.JoinAll([]*gevent.Greenlet[int]{sleeper, raiser}, gevent.Count(1))
		if err != nil || len(done) != 1 || done[0] != raiser || !raiser.Ready() || sleeper.Ready() {
			t.Errorf("JoinAll(Count(1)) = %v, %v; raiser ready %v, sleeper ready %v", done, err, raiser.Ready(), sleeper.Ready())
		}
		sleeper.Kill()
		if !sleeper.Ready() {
			t.Error("sleeper not ready after Kill")
		}
	})
}

// TestJoinAllDuplicates ports test__joinall.py: joinall([a, b, a]) (gevent:
// returns 3 items).
func TestJoinAllDuplicates(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		a := gevent.Go(func() {})
		b := gevent.Go(func() {})
		done, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b, a})
		if err != nil || len(done) != 3 {
			t.Errorf("JoinAll([a b a]) = %d items, %v; want 3, nil", len(done), err)
		}
	})
}

// TestUnlinkDuringNotification ports test__greenlet.py
// test_multiple_listeners_error_unlink_Greenlet_link and _rawlink: a link
// that another link removes during the same notification does not run, and
// a panicking link does not stop the others (gevent: [5] for both).
func TestUnlinkDuringNotification(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprintf("raw=%v", raw), func(t *testing.T) {
			runHub(t, func(h *gevent.Hub) {
				log := captureReports(h)
				p := gevent.Spawn(func() (int, error) { return 5, nil })
				var results []int
				var id1, id2 gevent.LinkID
				link := func(fn func()) gevent.LinkID {
					if raw {
						return p.RawLink(fn)
					}
					return p.Link(func(*gevent.Greenlet[int]) { fn() })
				}
				id1 = link(func() { p.Unlink(id2); results = append(results, 5); panic("listener1") })
				id2 = link(func() { p.Unlink(id1); results = append(results, 5); panic("listener2") })
				link(func() { panic("listener3") })
				gevent.Sleep(10 * time.Millisecond)
				if !slices.Equal(results, []int{5}) {
					t.Errorf("results = %v; want [5]", results)
				}
				if n := len(log.get()); n != 2 {
					t.Errorf("%d reports; want 2 (listener1, listener3)", n)
				}
			})
		})
	}
}

// TestSleep0MainOnlyTimeout ports test__sleep0.py: the main greenlet alone
// spinning on sleep(0) under Timeout(0.01) gets the Timeout (gevent: after
// ≈ 12 ms). It used to spin for ever: the owner's wake-ups broke every Run
// before it polled.
func TestSleep0MainOnlyTimeout(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		to, _ := gevent.StartTimeout(10*time.Millisecond, nil)
		guard := time.Now().Add(10 * time.Second)
		var err error
		for err == nil && time.Now().Before(guard) {
			err = gevent.Sleep(0)
		}
		if err != to {
			t.Errorf("Sleep(0) loop ended with %v; want the Timeout", err)
		}
	})
}
