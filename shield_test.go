package gevent_test

import (
	"errors"
	"testing"
	"time"

	"github.com/geventgo/gevent"
)

// shieldedSleeper is test__greenletset.py's f: sleep 1.5 s, and on any
// error sleep 1 s more, here in a Shield so that the sticky kill does not
// cut the cleanup short.
func shieldedSleeper() (int, error) {
	if err := gevent.Sleep(1500 * time.Millisecond); err != nil {
		gevent.Shield(func() error { return gevent.Sleep(time.Second) })
		return 0, err
	}
	return 1, nil
}

// TestKillAllTimeoutStarted ports test__greenletset.py
// test_killall_iterable_argument_timeout_started: greenlets whose exit
// handler sleeps 1 s survive killall(timeout=0.5), which raises Timeout
// (gevent 22.10.2: Timeout after 0.50 s, both alive, both successful after
// 1.0 s).
func TestKillAllTimeoutStarted(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		gs := []*gevent.Greenlet[int]{gevent.Spawn(shieldedSleeper), gevent.Spawn(shieldedSleeper)}
		gevent.Sleep(10 * time.Millisecond) // get them both running
		start := time.Now()
		err := gevent.KillAll(gs, gevent.Within(500*time.Millisecond))
		d := time.Since(start)
		if !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("KillAll(Within(500ms)) = %v; want ErrTimeout", err)
		}
		if d < 500*time.Millisecond {
			t.Errorf("KillAll returned after %v; want 500ms", d)
		}
		for i, g := range gs {
			if g.Dead() {
				t.Errorf("greenlet %d is dead after KillAll's timeout; its shielded cleanup should still run", i)
			}
		}
		if _, err := gevent.JoinAll(gs); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < time.Second {
			t.Errorf("the shielded 1s cleanup ended after %v", d)
		}
		for i, g := range gs {
			if !g.Successful() {
				t.Errorf("greenlet %d: Err = %v; want success (killed with ErrGreenletExit)", i, g.Err())
			}
		}
	})
}

// TestKillAllTimeoutNotStarted ports test__greenletset.py
// test_killall_iterable_argument_timeout_not_started: greenlets killed
// before they start never run and are dead at once.
func TestKillAllTimeoutNotStarted(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		gs := []*gevent.Greenlet[int]{gevent.Spawn(shieldedSleeper), gevent.Spawn(shieldedSleeper)}
		if err := gevent.KillAll(gs, gevent.Within(500*time.Millisecond)); err != nil {
			t.Errorf("KillAll = %v", err)
		}
		for i, g := range gs {
			if !g.Dead() || g.Value() != 0 {
				t.Errorf("greenlet %d: Dead %v, Value %d; want true, 0", i, g.Dead(), g.Value())
			}
		}
	})
}

// TestShieldHoldsKill: a kill that arrives during a Shield does not
// interrupt it, and is delivered at the first blocking call after it.
func TestShieldHoldsKill(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var inside, after error
		g := gevent.Go(func() {
			inside = gevent.Shield(func() error { return gevent.Sleep(30 * time.Millisecond) })
			after = gevent.Sleep(time.Hour)
		})
		gevent.Sleep(0)
		if err := g.Kill(); err != nil {
			t.Fatal(err)
		}
		if inside != nil || !errors.Is(after, gevent.ErrGreenletExit) {
			t.Errorf("Sleep in the Shield = %v, after = %v; want nil, ErrGreenletExit", inside, after)
		}
	})
}

// TestShieldBound: the Shield's own bound lifts it; the held kill then
// reaches fn's pending call.
func TestShieldBound(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var inside error
		var took time.Duration
		g := gevent.Go(func() {
			gevent.Sleep(time.Hour) // killed here
			start := time.Now()
			inside = gevent.Shield(func() error { return gevent.Sleep(time.Hour) }, gevent.Within(30*time.Millisecond))
			took = time.Since(start)
		})
		gevent.Sleep(0)
		g.Kill()
		if !errors.Is(inside, gevent.ErrGreenletExit) || took < 30*time.Millisecond || took > 5*time.Second {
			t.Errorf("Shield(Within(30ms)) of a killed greenlet = %v after %v; want ErrGreenletExit after 30ms", inside, took)
		}
	})
}

// TestShieldHoldsOuterTimeout: a Timeout started before the Shield waits
// until it ends and is then delivered once; a Timeout started inside still
// interrupts.
func TestShieldHoldsOuterTimeout(t *testing.T) {
	inGreenlet(t, func() {
		outer, _ := gevent.StartTimeout(10*time.Millisecond, nil)
		var innerErr error
		err := gevent.Shield(func() error {
			if err := gevent.Sleep(40 * time.Millisecond); err != nil {
				return err
			}
			innerErr = gevent.WithTimeout(10*time.Millisecond, func() error { return gevent.Sleep(time.Hour) })
			return nil
		})
		if err != nil || !errors.Is(innerErr, gevent.ErrTimeout) || innerErr == outer {
			t.Errorf("Shield = %v, inner WithTimeout = %v; want nil, the inner Timeout", err, innerErr)
		}
		if err := gevent.Sleep(time.Hour); err != outer {
			t.Errorf("Sleep after the Shield = %v; want the outer Timeout", err)
		}
		if err := gevent.Sleep(0); err != nil {
			t.Errorf("second Sleep = %v; want nil (a Timeout is one-shot)", err)
		}
	})
}
