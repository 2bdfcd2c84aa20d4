package lock_test

// Cases ported from gevent's src/gevent/tests/test__semaphore.py and
// test__lock.py. Each test names the gevent test it comes from; the
// expected results were checked by running the same program with gevent
// 22.10.2.

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
	"github.com/geventgo/gevent/lock"
)

// TestGeventAcquireReturnsFalseAfterTimeout is TestSemaphore
// .test_acquire_returns_false_after_timeout (gevent issue 39). gevent: False.
func TestGeventAcquireReturnsFalseAfterTimeout(t *testing.T) {
	run(t, func() {
		s := lock.NewSemaphore(0)
		if ok, err := s.AcquireTimeout(10 * time.Millisecond); ok || err != nil {
			t.Errorf("AcquireTimeout = %v, %v; want false, nil", ok, err)
		}
	})
}

// TestGeventReleaseTwice is TestSemaphore.test_release_twice: a link made
// on a free semaphore runs, and so does one made after a second release.
// gevent: ['a', 'b'] (in no guaranteed order).
func TestGeventReleaseTwice(t *testing.T) {
	run(t, func() {
		s := lock.NewSemaphore(1)
		var result []string
		s.RawLink(func() { result = append(result, "a") })
		s.Release()
		s.RawLink(func() { result = append(result, "b") })
		s.Release()
		gevent.Sleep(time.Millisecond)
		slices.Sort(result)
		if !slices.Equal(result, []string{"a", "b"}) {
			t.Errorf("links run = %q; want [a b]", result)
		}
	})
}

// TestGeventRawlinkOnUnacquiredRunsNotifiers is TestSemaphore
// .test_rawlink_on_unacquired_runs_notifiers (gevent issue 1287): waiting
// on a free semaphore returns it at once instead of ErrLoopExit. gevent:
// wait([s]) == [s].
func TestGeventRawlinkOnUnacquiredRunsNotifiers(t *testing.T) {
	run(t, func() {
		s := lock.NewSemaphore(1)
		if got, err := gevent.Wait([]*lock.Semaphore{s}); err != nil || len(got) != 1 || got[0] != s {
			t.Errorf("Wait on a free semaphore = %v, %v; want [s], nil", got, err)
		}
	})
}

// TestGeventMultipleListenersUnlink is test__greenlet.py's
// test_multiple_listeners_error_unlink for a Semaphore's links: two links
// that unlink each other, run by one Release. gevent: [5].
func TestGeventMultipleListenersUnlink(t *testing.T) {
	run(t, func() {
		s := lock.NewSemaphore(0)
		var results []int
		var id1, id2 gevent.LinkID
		id1 = s.RawLink(func() { s.Unlink(id2); results = append(results, 5) })
		id2 = s.RawLink(func() { s.Unlink(id1); results = append(results, 5) })
		s.RawLink(func() {})
		s.Release()
		gevent.Sleep(10 * time.Millisecond)
		if !slices.Equal(results, []int{5}) {
			t.Errorf("results = %v; want [5]", results)
		}
		if n := lock.Parked(s); n != 0 {
			t.Errorf("Parked = %d; want 0", n)
		}
	})
}

// TestGeventFairOrHangs is TestSemaphoreFair.test_fair_or_hangs (gevent
// issue 1487): two greenlets pass a semaphore back and forth through new
// greenlets while a third waits for it; a fair semaphore serves the third
// in its turn, after which the chain stops and the hub has nothing left to
// do. gevent: LoopExit from joinall; exiting and keep_going2 dead,
// keep_going1 not.
func TestGeventFairOrHangs(t *testing.T) {
	run(t, func() {
		sem := lock.NewSemaphore(1)
		var shouldQuit []bool
		var acquireThenSpawn, releaseThenSpawn func()
		acquireThenSpawn = func() {
			if len(shouldQuit) > 0 {
				return
			}
			sem.Acquire()
			gevent.Go(releaseThenSpawn).Join()
		}
		releaseThenSpawn = func() {
			sem.Release()
			if len(shouldQuit) > 0 {
				return
			}
			gevent.Go(acquireThenSpawn).Join()
		}
		keepGoing1 := gevent.Go(acquireThenSpawn)
		keepGoing2 := gevent.Go(acquireThenSpawn)
		exiting := gevent.Go(func() {
			sem.Acquire()
			shouldQuit = append(shouldQuit, true)
		})
		gs := []*gevent.Greenlet[struct{}]{keepGoing1, keepGoing2, exiting}
		if _, err := gevent.JoinAll(gs); !errors.Is(err, gevent.ErrLoopExit) {
			t.Errorf("JoinAll = %v; want ErrLoopExit", err)
		}
		if !exiting.Ready() || !keepGoing2.Ready() || keepGoing1.Ready() {
			t.Errorf("dead: exiting %v, keep_going2 %v, keep_going1 %v; want true, true, false",
				exiting.Ready(), keepGoing2.Ready(), keepGoing1.Ready())
		}
		sem.Release()
		gevent.KillAll(gs)
	})
}

// TestGeventAcquireInOneThenAnother is TestSemaphoreMultiThread
// .test_acquire_in_one_then_another and its timed form, and
// TestRLockMultiThread's (test__lock.py): the hub's goroutine holds the
// lock, a plain goroutine blocks on it; a release hands it over, and a
// timed acquire that gives up leaves the lock free for the next caller.
// gevent: the thread acquires ([True]); timed: [False].
func TestGeventAcquireInOneThenAnother(t *testing.T) {
	kinds := []struct {
		name string
		make func() lock.Acquirer
	}{
		{"Semaphore", func() lock.Acquirer { return lock.NewSemaphore(1) }},
		{"BoundedSemaphore", func() lock.Acquirer { return lock.NewBoundedSemaphore(1) }},
		{"RLock", func() lock.Acquirer { return new(lock.RLock) }},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			run(t, func() {
				l := k.make()
				if err := l.Acquire(); err != nil {
					t.Fatalf("Acquire = %v", err)
				}
				acquired := make(chan bool, 1)
				go func() {
					err := l.Acquire()
					acquired <- err == nil
					if err == nil {
						l.Release()
					}
				}()
				// Let the goroutine block (any order works; this makes
				// the blocked case likely).
				gevent.Sleep(5 * time.Millisecond)
				if err := l.Release(); err != nil {
					t.Errorf("Release = %v", err)
				}
				if !<-acquired {
					t.Errorf("the goroutine did not acquire")
				}
			})
			run(t, func() {
				l := k.make()
				l.Acquire()
				acquired := make(chan bool, 1)
				go func() {
					ok, _ := l.AcquireTimeout(5 * time.Millisecond)
					acquired <- ok
				}()
				if ok := <-acquired; ok {
					t.Errorf("timed acquire of a held lock = true; want false")
				}
				if err := l.Release(); err != nil {
					t.Errorf("Release = %v", err)
				}
				if !l.TryAcquire() {
					t.Errorf("lock not free after the timed waiter gave up")
				}
			})
		})
	}
}

// TestReusedWaiterAfterGiveUp: a greenlet reuses one Waiter for its waits
// on every primitive (internal/waitlist.ContextWaiter). After its timed
// Acquire gives up, a Release of that semaphore must not wake the wait it
// has gone on to, on an Event.
func TestReusedWaiterAfterGiveUp(t *testing.T) {
	run(t, func() {
		s := lock.NewSemaphore(0)
		var l lock.RLock
		var e, gaveUp event.Event
		var log []string
		l.Acquire()
		g := gevent.Go(func() {
			ok, _ := s.AcquireTimeout(time.Millisecond)
			log = append(log, fmt.Sprint("semaphore ", ok))
			ok, _ = l.AcquireTimeout(time.Millisecond)
			log = append(log, fmt.Sprint("rlock ", ok))
			gaveUp.Set()
			err := e.Wait()
			log = append(log, fmt.Sprint("event ", err, " set ", e.IsSet()))
		})
		gaveUp.Wait()
		gevent.Sleep(0) // g is in e.Wait
		s.Release()
		l.Release()
		for range 3 { // a stray wake-up of g would run now
			gevent.Sleep(0)
		}
		log = append(log, "set")
		e.Set()
		g.Join()
		want := []string{"semaphore false", "rlock false", "set", "event <nil> set true"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
		if s.Value() != 1 || l.Locked() {
			t.Errorf("Value %d, RLock locked %v; want 1, false", s.Value(), l.Locked())
		}
	})
}
