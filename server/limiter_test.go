package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/geventgo/gevent"
)

// TestSlots: with max 1 the waiters get the slot in the order they asked;
// a waiter killed while waiting leaves the queue and the next one gets the
// slot; max 0 never waits.
func TestSlots(t *testing.T) {
	run(t, func() {
		var order []string
		s := &slots{max: 1}
		if err := s.acquire(); err != nil {
			t.Fatalf("acquire = %v", err)
		}
		worker := func(name string) *gevent.Greenlet[struct{}] {
			return gevent.Go(func() {
				if err := s.acquire(); err != nil {
					order = append(order, name+" "+err.Error())
					return
				}
				order = append(order, name)
				gevent.Sleep(0)
				s.release()
			})
		}
		a, b, c := worker("a"), worker("b"), worker("c")
		gevent.Sleep(0) // all three wait
		if len(s.waiters) != 3 {
			t.Fatalf("waiters = %d; want 3", len(s.waiters))
		}
		b.Kill()
		if len(s.waiters) != 2 {
			t.Errorf("waiters after a kill = %d; want 2", len(s.waiters))
		}
		s.release()
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b, c})
		if got, want := strings.Join(order, ","), "b gevent: greenlet exit,a,c"; got != want {
			t.Errorf("order = %q; want %q", got, want)
		}
		if s.used != 0 || len(s.waiters) != 0 {
			t.Errorf("used, waiters = %d, %d; want 0, 0", s.used, len(s.waiters))
		}

		u := &slots{} // unlimited
		for range 1000 {
			if err := u.acquire(); err != nil {
				t.Fatalf("unlimited acquire = %v", err)
			}
		}
		if u.used != 1000 {
			t.Errorf("unlimited used = %d; want 1000", u.used)
		}
	})
}

// TestSlotsReleaseSkipsGivenUp: a waiter that gave up (its Wait failed) but
// has not yet removed itself does not swallow the slot.
func TestSlotsReleaseSkipsGivenUp(t *testing.T) {
	run(t, func() {
		s := &slots{max: 1}
		s.acquire()
		var errA, errB error
		a := gevent.Go(func() { errA = s.acquire() })
		b := gevent.Go(func() {
			if errB = s.acquire(); errB == nil {
				s.release()
			}
		})
		gevent.Sleep(0)
		// The kill is delivered by a hub callback that fails a's waiter and
		// queues a's resumption behind this main greenlet's.
		a.Kill(gevent.WithError(errors.New("gave up")), gevent.NoBlock())
		gevent.Sleep(0)
		if !a.Dead() && len(s.waiters) != 2 {
			t.Fatalf("waiters = %d; want a (given up, not yet removed) and b", len(s.waiters))
		}
		s.release() // must skip a and wake b
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b})
		if errA == nil || errA.Error() != "gave up" || errB != nil {
			t.Errorf("acquire errors = %v, %v; want gave up, nil", errA, errB)
		}
		if s.used != 0 || len(s.waiters) != 0 {
			t.Errorf("used, waiters = %d, %d; want 0, 0", s.used, len(s.waiters))
		}
	})
}
