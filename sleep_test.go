package gevent_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
)

// TestSleep0RoundRobin: Sleep(0) requeues the caller at the tail of the
// FIFO, so greenlets that spin on it take turns (docs/gevent.md §2).
func TestSleep0RoundRobin(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var got []string
		var gs []*gevent.Greenlet[struct{}]
		for _, name := range []string{"a", "b", "c"} {
			gs = append(gs, gevent.Go(func() {
				for range 3 {
					got = append(got, name)
					if err := gevent.Sleep(0); err != nil {
						t.Errorf("Sleep(0) = %v", err)
					}
				}
			}))
		}
		gevent.JoinAll(gs)
		want := []string{"a", "b", "c", "a", "b", "c", "a", "b", "c"}
		if !slices.Equal(got, want) {
			t.Errorf("order = %v; want %v", got, want)
		}
	})
}

// TestSleep0BeforeTimers: a Sleep(0) resumes before a due timer's greenlet,
// and positive sleeps wake in deadline order.
func TestSleep0BeforeTimers(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var got []string
		rec := func(name string, d time.Duration) *gevent.Greenlet[struct{}] {
			return gevent.Go(func() { gevent.Sleep(d); got = append(got, name) })
		}
		start := time.Now()
		gs := []*gevent.Greenlet[struct{}]{rec("20ms", 20*time.Millisecond), rec("1ns", time.Nanosecond), rec("10ms", 10*time.Millisecond), rec("0", 0)}
		gevent.JoinAll(gs)
		if want := []string{"0", "1ns", "10ms", "20ms"}; !slices.Equal(got, want) {
			t.Errorf("wake order = %v; want %v", got, want)
		}
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Errorf("Sleep(20ms) ended after %v", d)
		}
		// A negative duration is Sleep(0).
		if err := gevent.Sleep(-time.Second); err != nil {
			t.Errorf("Sleep(-1s) = %v", err)
		}
	})
}

// TestSleep0SpinDoesNotStarveTimers: a greenlet spinning on Sleep(0) still
// lets a timer fire, because a callback batch yields after the switch
// interval.
func TestSleep0SpinDoesNotStarveTimers(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		stop := false
		spins := 0
		spinner := gevent.Go(func() {
			for !stop {
				spins++
				gevent.Sleep(0)
			}
		})
		start := time.Now()
		timed := gevent.Go(func() { gevent.Sleep(10 * time.Millisecond); stop = true })
		if _, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{spinner, timed}, gevent.Within(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		if !stop || !spinner.Ready() {
			t.Fatal("the timer never fired while a greenlet spun on Sleep(0)")
		}
		if d := time.Since(start); d > 2*time.Second || spins < 2 {
			t.Errorf("timer fired after %v and %d spins", d, spins)
		}
	})
}

// TestSleepInMain: Sleep on the hub's goroutine runs the loop meanwhile.
func TestSleepInMain(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		ran := false
		gevent.Go(func() { ran = true })
		start := time.Now()
		if err := gevent.Sleep(5 * time.Millisecond); err != nil {
			t.Fatalf("Sleep = %v", err)
		}
		if d := time.Since(start); d < 5*time.Millisecond || !ran {
			t.Errorf("Sleep(5ms) in main: %v elapsed, greenlet ran %v", d, ran)
		}
	})
}

// TestIdle: Idle resumes only once nothing else is runnable.
func TestIdle(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var got []string
		idler := gevent.Go(func() {
			if err := gevent.Idle(); err != nil {
				t.Errorf("Idle = %v", err)
			}
			got = append(got, "idle")
		})
		busy := gevent.Go(func() {
			for range 3 {
				got = append(got, "busy")
				gevent.Sleep(0)
			}
		})
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{idler, busy})
		if want := []string{"busy", "busy", "busy", "idle"}; !slices.Equal(got, want) {
			t.Errorf("order = %v; want %v", got, want)
		}
		if err := gevent.Idle(); err != nil {
			t.Errorf("Idle in main = %v", err)
		}
	})
}

// TestSleepInterrupted: a sleeping greenlet is woken early by Kill; the
// error is returned and the time not slept.
func TestSleepInterrupted(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var err error
		g := gevent.Go(func() { err = gevent.Sleep(time.Hour) })
		gevent.Sleep(time.Millisecond)
		g.Kill()
		if !errors.Is(err, gevent.ErrGreenletExit) {
			t.Errorf("Sleep of a killed greenlet = %v; want ErrGreenletExit", err)
		}
		var idleErr error
		g = gevent.Go(func() { idleErr = gevent.Idle() })
		gevent.Sleep(0)
		g.Kill()
		if !errors.Is(idleErr, gevent.ErrGreenletExit) {
			t.Errorf("Idle of a killed greenlet = %v; want ErrGreenletExit", idleErr)
		}
	})
}
