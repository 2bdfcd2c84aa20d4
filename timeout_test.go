package gevent_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// inGreenlet runs fn in a greenlet of a fresh hub and waits for it.
func inGreenlet(t *testing.T, fn func()) {
	t.Helper()
	runHub(t, func(*gevent.Hub) {
		if err := gevent.Go(fn).Join(); err != nil {
			t.Errorf("Join = %v", err)
		}
	})
}

// TestTimeoutInterruptsSleep: the started Timeout is what the interrupted
// call returns; it matches ErrTimeout and is a net.Error.
func TestTimeoutInterruptsSleep(t *testing.T) {
	inGreenlet(t, func() {
		to := gevent.NewTimeout(10*time.Millisecond, nil)
		if to.Pending() {
			t.Error("Pending() = true before Start")
		}
		if err := to.Start(); err != nil {
			t.Fatalf("Start = %v", err)
		}
		if !to.Pending() {
			t.Error("Pending() = false after Start")
		}
		start := time.Now()
		err := gevent.Sleep(10 * time.Second)
		if d := time.Since(start); d < 10*time.Millisecond || d > 2*time.Second {
			t.Errorf("Sleep interrupted after %v; want about 10ms", d)
		}
		if err != error(to) || !errors.Is(err, to) || !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Sleep = %v; want the Timeout itself, matching ErrTimeout", err)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Sleep's error is not a net.Error with Timeout() true: %T", err)
		}
		if to.Pending() {
			t.Error("Pending() = true after expiry")
		}
		if err := gevent.Sleep(time.Millisecond); err != nil {
			t.Errorf("Sleep after the expiry = %v; want nil (a Timeout fires once)", err)
		}
	})
}

// TestTimeoutRestart: Start of a pending Timeout is an error; after Cancel or
// expiry it can be started again.
func TestTimeoutRestart(t *testing.T) {
	inGreenlet(t, func() {
		to := gevent.NewTimeout(5*time.Millisecond, nil)
		to.Start()
		if err := to.Start(); !errors.Is(err, gevent.ErrTimeoutPending) {
			t.Errorf("Start of a pending Timeout = %v; want ErrTimeoutPending", err)
		}
		to.Cancel()
		if to.Pending() {
			t.Error("Pending() = true after Cancel")
		}
		if err := gevent.Sleep(15 * time.Millisecond); err != nil {
			t.Errorf("Sleep past a cancelled Timeout = %v; want nil", err)
		}
		to.Cancel() // cancelling a stopped one does nothing
		for i := range 2 {
			if err := to.Start(); err != nil {
				t.Fatalf("restart %d: Start = %v", i, err)
			}
			if err := gevent.Sleep(time.Second); err != to {
				t.Errorf("restart %d: Sleep = %v; want the Timeout", i, err)
			}
		}
	})
}

type tooLong struct{}

func (tooLong) Error() string { return "too long" }

func TestTimeoutCustomError(t *testing.T) {
	inGreenlet(t, func() {
		to := gevent.NewTimeout(time.Millisecond, tooLong{})
		to.Start()
		defer to.Cancel()
		err := gevent.Sleep(time.Second)
		if _, ok := err.(tooLong); !ok {
			t.Errorf("Sleep = %v (%T); want tooLong", err, err)
		}
	})
}

func TestTimeoutStrings(t *testing.T) {
	tests := []struct {
		d    time.Duration
		err  error
		want string
	}{
		{2 * time.Second, nil, "gevent: timeout: 2 seconds"},
		{time.Second, nil, "gevent: timeout: 1 second"},
		{10 * time.Millisecond, nil, "gevent: timeout: 0.01 seconds"},
		{time.Second, tooLong{}, "gevent: timeout: 1 second: too long"},
		{-1, nil, "gevent: timeout: 0 seconds"},
	}
	for _, tt := range tests {
		to := gevent.NewTimeout(tt.d, tt.err)
		if got := to.Error(); got != tt.want {
			t.Errorf("NewTimeout(%v, %v).Error() = %q; want %q", tt.d, tt.err, got, tt.want)
		}
		if !to.Timeout() || to.Duration() != max(tt.d, 0) {
			t.Errorf("Timeout(), Duration() = %v, %v; want true, %v", to.Timeout(), to.Duration(), max(tt.d, 0))
		}
	}
}

// TestWithTimeout: WithTimeout returns fn's result, or its own Timeout when
// that expires first.
func TestWithTimeout(t *testing.T) {
	inGreenlet(t, func() {
		if err := gevent.WithTimeout(time.Second, func() error { return gevent.Sleep(time.Millisecond) }); err != nil {
			t.Errorf("fast fn: WithTimeout = %v; want nil", err)
		}
		if err := gevent.WithTimeout(time.Second, func() error { return errBoom }); err != errBoom {
			t.Errorf("failing fn: WithTimeout = %v; want boom", err)
		}
		start := time.Now()
		err := gevent.WithTimeout(10*time.Millisecond, func() error { return gevent.Sleep(10 * time.Second) })
		var to *gevent.Timeout
		if !errors.As(err, &to) || to.Duration() != 10*time.Millisecond {
			t.Errorf("slow fn: WithTimeout = %v; want its 10ms *Timeout", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("slow fn interrupted after %v", d)
		}
		// The Timeout is cancelled when fn returns.
		gevent.WithTimeout(5*time.Millisecond, func() error { return nil })
		if err := gevent.Sleep(15 * time.Millisecond); err != nil {
			t.Errorf("Sleep after WithTimeout returned = %v; want nil", err)
		}
	})
}

// TestNestedTimeouts: each Timeout delivers itself; the one that did not
// fire stays pending (docs/gevent.md §6).
func TestNestedTimeouts(t *testing.T) {
	inGreenlet(t, func() {
		// The outer one fires first.
		outer, _ := gevent.StartTimeout(10*time.Millisecond, nil)
		inner, _ := gevent.StartTimeout(time.Hour, nil)
		err := gevent.Sleep(10 * time.Second)
		if !errors.Is(err, outer) || errors.Is(err, inner) {
			t.Errorf("outer fired: Sleep = %v; want outer, not inner", err)
		}
		if !inner.Pending() || outer.Pending() {
			t.Errorf("inner, outer Pending = %v, %v; want true, false", inner.Pending(), outer.Pending())
		}
		inner.Cancel()

		// The inner one fires first.
		outer.Start()
		err = gevent.WithTimeout(5*time.Millisecond, func() error { return gevent.Sleep(10 * time.Second) })
		if errors.Is(err, outer) || !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("inner fired: WithTimeout = %v; want the inner Timeout", err)
		}
		if !outer.Pending() {
			t.Error("outer not pending after the inner fired")
		}
		// The outer one fires inside WithTimeout and is told apart.
		err = gevent.WithTimeout(time.Hour, func() error { return gevent.Sleep(10 * time.Second) })
		if !errors.Is(err, outer) {
			t.Errorf("outer fired inside WithTimeout = %v; want outer", err)
		}
	})
}

// TestZeroTimeout: a zero Timeout fires at the next switch: a function that
// never switches completes, one that does gets the Timeout.
func TestZeroTimeout(t *testing.T) {
	inGreenlet(t, func() {
		sum := 0
		err := gevent.WithTimeout(0, func() error {
			for i := range 1000 {
				sum += i
			}
			return nil
		})
		if err != nil || sum != 499500 {
			t.Errorf("WithTimeout(0, cpu-only) = %v (sum %d); want nil", err, sum)
		}
		var fnErr error
		err = gevent.WithTimeout(0, func() error { fnErr = gevent.Sleep(0); return fnErr })
		if !errors.Is(err, gevent.ErrTimeout) || err != fnErr {
			t.Errorf("WithTimeout(0, Sleep(0)) = %v; want its Timeout", err)
		}
		if err := gevent.Sleep(0); err != nil {
			t.Errorf("Sleep(0) afterwards = %v; want nil", err)
		}
	})
}

// TestTimeoutDoesNotInterruptCPU: a loop that never switches runs to its end
// and the expired Timeout does not leak into later calls.
func TestTimeoutDoesNotInterruptCPU(t *testing.T) {
	inGreenlet(t, func() {
		spun := 0
		err := gevent.WithTimeout(time.Millisecond, func() error {
			for end := time.Now().Add(20 * time.Millisecond); time.Now().Before(end); {
				spun++
			}
			return nil
		})
		if err != nil || spun == 0 {
			t.Errorf("WithTimeout around a CPU loop = %v; want nil", err)
		}
		if err := gevent.Sleep(5 * time.Millisecond); err != nil {
			t.Errorf("Sleep after the CPU loop = %v; want nil", err)
		}

		// A Timeout that expired while the greenlet did not switch arrives at
		// its next blocking calls.
		to, _ := gevent.StartTimeout(time.Millisecond, nil)
		time.Sleep(5 * time.Millisecond) // no switch: the timer cannot run
		start := time.Now()
		err = gevent.Sleep(0) // the FIFO may resume this before timers run
		if err == nil {
			err = gevent.Sleep(time.Minute)
		}
		if err != to {
			t.Errorf("next blocking calls = %v; want the expired Timeout", err)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("expired Timeout delivered after %v", d)
		}
	})
}

// TestTimeoutInMain: a Timeout started by the hub's goroutine interrupts its
// Join (the seed's "Could not complete").
func TestTimeoutInMain(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		to, err := gevent.StartTimeout(10*time.Millisecond, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := gevent.Go(func() { gevent.Sleep(10 * time.Second) })
		if err := g.Join(); err != to {
			t.Errorf("Join = %v; want the Timeout", err)
		}
		if g.Ready() {
			t.Error("the sleeping greenlet finished")
		}
		g.Kill()
	})
}

// TestTimeoutNegativeExpiresAtOnce: d <= 0 means "at once" everywhere
// (issue 9), so a negative Timeout is a zero one: the next switch returns it.
func TestTimeoutNegativeExpiresAtOnce(t *testing.T) {
	inGreenlet(t, func() {
		to := gevent.NewTimeout(-1, nil)
		if err := to.Start(); err != nil {
			t.Fatalf("Start = %v", err)
		}
		if err := gevent.Sleep(time.Hour); err != to {
			t.Errorf("Sleep under a negative Timeout = %v; want the Timeout", err)
		}
		if err := gevent.Sleep(0); err != nil {
			t.Errorf("second Sleep = %v; want nil (one-shot)", err)
		}
	})
}

// TestTimeoutWaitsOnOtherPrimitives: a Timeout interrupts every blocking
// call, here a Waiter and a Join.
func TestTimeoutWaitsOnOtherPrimitives(t *testing.T) {
	inGreenlet(t, func() {
		w := gevent.NewWaiter()
		hubapi.SetRef(w, true)
		if err := gevent.WithTimeout(5*time.Millisecond, w.Wait); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Waiter.Wait under a Timeout = %v; want ErrTimeout", err)
		}
		if w.Switch() {
			t.Error("Switch succeeded on a Waiter whose wait was interrupted")
		}
		g := gevent.Go(func() { gevent.Sleep(time.Hour) })
		if err := gevent.WithTimeout(5*time.Millisecond, g.Join); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Join under a Timeout = %v; want ErrTimeout", err)
		}
		g.Kill()
	})
}

// TestTimeoutAfterWakeUp: a Timeout that expires in the iteration in which
// the greenlet was already woken does not undo the wake-up, and once
// WithTimeout has returned it does not leak into later calls.
func TestTimeoutAfterWakeUp(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		var waitErr, sleepErr error
		a := gevent.Go(func() {
			w := gevent.NewWaiter()
			// A loop timer due before the Timeout wakes the waiter; a
			// greenlet that blocks the hub makes both due in one iteration.
			wake := hubapi.Loop(h).NewTimer(func() { w.Switch() })
			wake.Start(time.Millisecond, 0)
			gevent.Go(func() { time.Sleep(20 * time.Millisecond) })
			waitErr = gevent.WithTimeout(5*time.Millisecond, w.Wait)
			sleepErr = gevent.Sleep(10 * time.Millisecond)
		})
		a.Join()
		if waitErr != nil {
			t.Errorf("Wait woken before its Timeout expired = %v; want nil", waitErr)
		}
		if sleepErr != nil {
			t.Errorf("Sleep after WithTimeout returned = %v; want nil (no stale Timeout)", sleepErr)
		}
	})
}
