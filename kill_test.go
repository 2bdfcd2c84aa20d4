package gevent_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
)

// TestKillBeforeStart: a greenlet killed before it ran never runs, is dead
// at once without a loop trip, and its links still fire.
func TestKillBeforeStart(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		ran, linked := false, false
		g := gevent.Spawn(func() (int, error) { ran = true; return 1, nil })
		g.Link(func(*gevent.Greenlet[int]) { linked = true })
		g.Kill()
		if !g.Ready() || !g.Successful() {
			t.Errorf("right after Kill: Ready %v, Successful %v; want true, true", g.Ready(), g.Successful())
		}
		if err := g.Join(); err != nil {
			t.Fatalf("Join = %v", err)
		}
		gevent.Sleep(0)
		if ran || !linked {
			t.Errorf("ran %v, linked %v; want false, true", ran, linked)
		}
		u := gevent.New(func() (int, error) { ran = true; return 1, nil })
		u.Kill()
		u.Start()
		gevent.Sleep(0)
		if ran || !u.Ready() {
			t.Errorf("unstarted greenlet killed then started: ran %v, Ready %v; want false, true", ran, u.Ready())
		}
	})
}

// TestKillRunning: Kill interrupts the greenlet's blocking call with
// ErrGreenletExit and waits for it to finish.
func TestKillRunning(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var sleepErr error
		cleaned := false
		g := gevent.Spawn(func() (int, error) {
			defer func() { cleaned = true }()
			sleepErr = gevent.Sleep(10 * time.Second)
			return 0, sleepErr
		})
		gevent.Sleep(0)
		start := time.Now()
		g.Kill()
		if !g.Ready() || !cleaned {
			t.Errorf("after Kill: Ready %v, cleaned %v; want true, true", g.Ready(), cleaned)
		}
		if !errors.Is(sleepErr, gevent.ErrGreenletExit) {
			t.Errorf("Sleep in the killed greenlet = %v; want ErrGreenletExit", sleepErr)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Kill took %v", d)
		}
	})
}

// TestKillSticky: after a kill every blocking call of the greenlet returns
// the kill's error, at once.
func TestKillSticky(t *testing.T) {
	for _, kerr := range []error{gevent.ErrGreenletExit, errBoom} {
		runHub(t, func(h *gevent.Hub) {
			h.SetErrorStream(nil)
			var errs []error
			g := gevent.Spawn(func() (int, error) {
				errs = append(errs, gevent.Sleep(time.Hour))
				errs = append(errs, gevent.Sleep(0))
				errs = append(errs, gevent.Sleep(time.Hour))
				errs = append(errs, gevent.Idle())
				errs = append(errs, gevent.NewWaiter().Wait())
				_, err := gevent.Blocking(func() (int, error) { return 0, nil })
				errs = append(errs, err)
				errs = append(errs, gevent.Go(func() {}).Join())
				return 0, nil // ignores the kill
			})
			gevent.Sleep(0)
			start := time.Now()
			g.Kill(gevent.WithError(kerr))
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("kill took %v", d)
			}
			if len(errs) != 7 {
				t.Fatalf("greenlet made %d calls; want 7", len(errs))
			}
			for i, err := range errs {
				if !errors.Is(err, kerr) {
					t.Errorf("call %d after Kill(WithError(%v)) = %v; want %v", i, kerr, err, kerr)
				}
			}
			if !g.Successful() {
				t.Errorf("greenlet that returned nil after a kill: Err %v; want success", g.Err())
			}
		})
	}
}

// TestKillNeverFails: Kill on a dead greenlet, twice, or on itself returns
// without error or hang.
func TestKillNeverFails(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		g := gevent.Spawn(func() (int, error) { return 1, nil })
		g.Join()
		g.Kill()
		g.Kill(gevent.WithError(errBoom), gevent.Within(time.Second))
		if v, err := g.Get(); v != 1 || err != nil {
			t.Errorf("killing a finished greenlet changed it: Get = %v, %v", v, err)
		}

		var afterSelfKill error
		self := gevent.Spawn(func() (int, error) {
			gevent.Current().(*gevent.Greenlet[int]).Kill() // returns at once
			afterSelfKill = gevent.Sleep(0)
			return 0, afterSelfKill
		})
		if err := self.JoinTimeout(2 * time.Second); err != nil {
			t.Fatalf("JoinTimeout of a self-killed greenlet = %v", err)
		}
		if !errors.Is(afterSelfKill, gevent.ErrGreenletExit) || !self.Successful() {
			t.Errorf("self kill: next Sleep = %v, Successful %v; want ErrGreenletExit, true", afterSelfKill, self.Successful())
		}

		twice := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		twice.Kill(gevent.NoBlock()) // nil means ErrGreenletExit
		twice.Kill(gevent.WithError(errBoom), gevent.NoBlock())
		twice.Kill()
		if !twice.Successful() {
			t.Errorf("first kill wins: Err = %v; want nil (ErrGreenletExit)", twice.Err())
		}
	})
}

// TestKillNoBlock: Kill(NoBlock()) returns before the greenlet has died;
// the error then arrives at its blocking call and is its failure, not
// reported because Get observes it.
func TestKillNoBlock(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		log := captureReports(h)
		g := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		g.Kill(gevent.WithError(errBoom), gevent.NoBlock())
		if g.Ready() {
			t.Error("Kill(NoBlock()) waited for the greenlet")
		}
		if _, err := g.Get(); !errors.Is(err, errBoom) {
			t.Errorf("Get = %v; want boom", err)
		}
		if rs := log.get(); len(rs) != 0 {
			t.Errorf("reports = %v; want none (Get observed the error)", rs)
		}
	})
}

// TestKillAll: unstarted greenlets never run, running ones receive the
// error, finished ones are untouched, and the call waits for all.
func TestKillAll(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		var ran []string
		done := gevent.Spawn(func() (int, error) { ran = append(ran, "done"); return 1, nil })
		done.Join()
		running := gevent.Spawn(func() (int, error) { ran = append(ran, "running"); return 0, gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		pending := gevent.Spawn(func() (int, error) { ran = append(ran, "pending"); return 0, nil })
		gs := []*gevent.Greenlet[int]{done, running, pending}
		if err := gevent.KillAll(gs); err != nil {
			t.Fatalf("KillAll = %v", err)
		}
		if !slices.Equal(ran, []string{"done", "running"}) {
			t.Errorf("ran = %v; want [done running]", ran)
		}
		for i, g := range gs {
			if !g.Successful() {
				t.Errorf("greenlet %d: Err %v; want success", i, g.Err())
			}
		}
		if done.Value() != 1 {
			t.Errorf("finished greenlet's Value = %d; want 1", done.Value())
		}

		a := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		b := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		if err := gevent.KillAll([]*gevent.Greenlet[int]{a, b}, gevent.WithError(errBoom), gevent.NoBlock()); err != nil {
			t.Errorf("KillAll(block=false) = %v", err)
		}
		if a.Ready() || b.Ready() {
			t.Error("KillAll(block=false) waited")
		}
		gevent.JoinAll([]*gevent.Greenlet[int]{a, b})
		if !errors.Is(a.Err(), errBoom) || !errors.Is(b.Err(), errBoom) {
			t.Errorf("Err = %v, %v; want boom, boom", a.Err(), b.Err())
		}
	})
}
