package gevent_test

import (
	"errors"
	"testing"
	"time"

	"github.com/geventgo/gevent"
)

// TestReportRule: the default handler reports panics always, and returned
// errors only when nothing observed the greenlet when it died (issue 9).
func TestReportRule(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		log := captureReports(h)
		// Observed: Get, Join, JoinAll, IWait, a link. Not reported.
		viaGet := gevent.Spawn(func() (int, error) { return 0, errBoom })
		if _, err := viaGet.Get(); !errors.Is(err, errBoom) {
			t.Errorf("Get = %v; want boom", err)
		}
		viaJoin := gevent.Spawn(func() (int, error) { return 0, errBoom })
		viaJoin.Join()
		all := []*gevent.Greenlet[int]{
			gevent.Spawn(func() (int, error) { return 0, errBoom }),
			gevent.Spawn(func() (int, error) { return 0, errBoom }),
		}
		gevent.JoinAll(all)
		for g, err := range gevent.IWait([]*gevent.Greenlet[int]{
			gevent.Spawn(func() (int, error) { return 0, errBoom }),
		}) {
			if err != nil || !errors.Is(g.Err(), errBoom) {
				t.Errorf("IWait yielded %v, %v", g, err)
			}
		}
		linked := gevent.Spawn(func() (int, error) { return 0, errBoom })
		linked.LinkError(func(*gevent.Greenlet[int]) {})
		linked.Join()
		killedObserved := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		killedObserved.Kill(gevent.WithError(errBoom))
		if n := len(log.get()); n != 0 {
			t.Fatalf("%d reports for observed errors: %v", n, log.get())
		}

		// Unobserved error, unobserved kill error, observed panic: reported.
		lost := gevent.Spawn(func() (int, error) { return 0, errBoom })
		gevent.Sleep(0)
		unstarted := gevent.Spawn(func() (int, error) { return 0, nil })
		unstarted.Kill(gevent.WithError(errBoom), gevent.NoBlock())
		panicked := gevent.Spawn(func() (int, error) { panic("kaput") })
		panicked.Join()
		rs := log.get()
		if len(rs) != 3 || rs[0].Context != lost.String() || rs[1].Context != unstarted.String() ||
			rs[2].Context != panicked.String() || !errors.As(rs[2].Err, new(*gevent.PanicError)) {
			t.Errorf("reports = %v; want lost, unstarted, panicked", rs)
		}
	})
}

// TestValueKeptOnFailure: Get and Value keep the T the function returned
// with its error, like io.Reader's n, err (issue 9).
func TestValueKeptOnFailure(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		g := gevent.Spawn(func() (int, error) { return 3, errBoom })
		if v, err := g.Get(); v != 3 || !errors.Is(err, errBoom) {
			t.Errorf("Get = %v, %v; want 3, boom", v, err)
		}
		if v := g.Value(); v != 3 {
			t.Errorf("Value = %v; want 3", v)
		}
		if v, err := g.TryGet(); v != 3 || !errors.Is(err, errBoom) {
			t.Errorf("TryGet = %v, %v; want 3, boom", v, err)
		}
	})
}

// TestZeroDurationMeansNow: d <= 0 means "do not wait" for every option
// and timed call of the package (issue 9).
func TestZeroDurationMeansNow(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		slow := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		done := gevent.Spawn(func() (int, error) { return 1, nil })
		gevent.Sleep(0)
		start := time.Now()
		for _, d := range []time.Duration{0, -time.Second} {
			got, err := gevent.JoinAll([]*gevent.Greenlet[int]{slow, done}, gevent.Within(d))
			if err != nil || len(got) != 1 || got[0] != done {
				t.Errorf("JoinAll(Within(%v)) = %v, %v; want [done], nil", d, got, err)
			}
			if err := slow.JoinTimeout(d); !errors.Is(err, gevent.ErrTimeout) {
				t.Errorf("JoinTimeout(%v) = %v; want ErrTimeout", d, err)
			}
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("calls that must not wait took %v", d)
		}
		gevent.KillAll([]*gevent.Greenlet[int]{slow}, gevent.WithError(errBoom), gevent.Within(-1))
		if err := slow.Join(); err != nil || !errors.Is(slow.Err(), errBoom) {
			t.Errorf("Join = %v, Err = %v; want nil, boom", err, slow.Err())
		}
	})
}

// TestKillOptions: Kill honours WithError, NoBlock and Within, and reports
// ErrTimeout for a greenlet that survives Within's limit.
func TestKillOptions(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		stubborn := gevent.Spawn(func() (int, error) {
			for gevent.Sleep(time.Millisecond) != nil {
			}
			return 0, nil
		})
		gevent.Sleep(0)
		if err := stubborn.Kill(gevent.Within(20 * time.Millisecond)); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Kill(Within) of a greenlet that ignores kills = %v; want ErrTimeout", err)
		}
		if err := stubborn.Kill(gevent.NoBlock()); err != nil || stubborn.Ready() {
			t.Errorf("Kill(NoBlock()) = %v, Ready %v; want nil, false", err, stubborn.Ready())
		}
		g := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		if err := g.Kill(gevent.WithError(errBoom)); err != nil || !errors.Is(g.Err(), errBoom) {
			t.Errorf("Kill(WithError) = %v, Err = %v; want nil, boom", err, g.Err())
		}
		if err := g.Kill(); err != nil {
			t.Errorf("Kill of a dead greenlet = %v", err)
		}
	})
}
