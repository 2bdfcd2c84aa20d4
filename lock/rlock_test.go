package lock_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/lock"
)

// TestRLockReentry checks re-entry by the owner and that another greenlet
// waits until every re-entry is released.
func TestRLockReentry(t *testing.T) {
	run(t, func() {
		var l lock.RLock // zero value ready
		var log []string
		owner := gevent.Go(func() {
			for i := range 3 {
				if err := l.Acquire(); err != nil {
					t.Errorf("Acquire %d = %v", i, err)
				}
			}
			if ok, err := l.AcquireTimeout(time.Second); !ok || err != nil {
				t.Errorf("re-entrant AcquireTimeout = %v, %v; want true, nil", ok, err)
			}
			if !l.TryAcquire() || !l.Owned() || !l.Locked() {
				t.Error("owner: TryAcquire, Owned, Locked not all true")
			}
			for i := range 5 {
				gevent.Sleep(0)
				log = append(log, fmt.Sprintf("release %d", i))
				if err := l.Release(); err != nil {
					t.Errorf("Release %d = %v", i, err)
				}
			}
			if l.Owned() {
				t.Error("Owned after the last Release = true; want false")
			}
		})
		other := gevent.Go(func() {
			if l.TryAcquire() || l.Owned() {
				t.Error("non-owner: TryAcquire or Owned = true; want false")
			}
			if err := l.Acquire(); err != nil {
				t.Errorf("other Acquire = %v", err)
			}
			log = append(log, "other acquired")
			l.Release()
		})
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{owner, other})
		want := []string{"release 0", "release 1", "release 2", "release 3", "release 4", "other acquired"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %v; want %v", log, want)
		}
		if l.Locked() {
			t.Error("Locked at the end = true; want false")
		}
	})
}

// TestRLockReleaseErrors checks that only the owner may release.
func TestRLockReleaseErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(l *lock.RLock) // runs on the hub's main goroutine
		release func(l *lock.RLock) error
	}{
		{
			name:    "unlocked",
			setup:   func(*lock.RLock) {},
			release: func(l *lock.RLock) error { return l.Release() },
		},
		{
			name:  "main holds, greenlet releases",
			setup: func(l *lock.RLock) { l.Acquire() },
			release: func(l *lock.RLock) error {
				var err error
				gevent.Go(func() { err = l.Release() }).Join()
				return err
			},
		},
		{
			name:  "greenlet holds, main releases",
			setup: func(l *lock.RLock) { gevent.Go(func() { l.Acquire() }).Join() },
			release: func(l *lock.RLock) error {
				return l.Release()
			},
		},
		{
			name:  "main holds, goroutine releases",
			setup: func(l *lock.RLock) { l.Acquire() },
			release: func(l *lock.RLock) error {
				ch := make(chan error)
				go func() { ch <- l.Release() }()
				return <-ch
			},
		},
		{
			name:  "main holds, loop callback releases",
			setup: func(l *lock.RLock) { l.Acquire() },
			release: func(l *lock.RLock) error {
				var err error
				gevent.CurrentHub().RunCallback(func() { err = l.Release() })
				gevent.Sleep(0)
				return err
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				var l lock.RLock
				tc.setup(&l)
				wasLocked := l.Locked()
				err := tc.release(&l)
				if !errors.Is(err, lock.ErrNotOwner) {
					t.Errorf("Release = %v; want ErrNotOwner", err)
				}
				if l.Locked() != wasLocked {
					t.Errorf("Locked = %v after a refused Release; want %v", l.Locked(), wasLocked)
				}
			})
		})
	}
}

// TestRLockFIFO checks that blocked contexts get the lock in the order they
// blocked.
func TestRLockFIFO(t *testing.T) {
	run(t, func() {
		var l lock.RLock
		l.Acquire()
		var got []int
		var gs []*gevent.Greenlet[struct{}]
		for i := range 4 {
			gs = append(gs, gevent.Go(func() {
				if err := l.Acquire(); err != nil {
					t.Errorf("Acquire %d = %v", i, err)
					return
				}
				got = append(got, i)
				gevent.Sleep(0)
				l.Release()
			}))
		}
		gevent.Sleep(0)
		if n := lock.Waiting(&l); n != 4 {
			t.Fatalf("waiting = %d; want 4", n)
		}
		l.Release()
		if l.TryAcquire() {
			t.Error("TryAcquire right after Release = true; want false (the lock is the first waiter's)")
		}
		gevent.JoinAll(gs)
		if want := []int{0, 1, 2, 3}; !slices.Equal(got, want) {
			t.Errorf("acquired %v; want %v", got, want)
		}
	})
}

// TestRLockGiveUp covers a blocked Acquire that ends without the lock: by
// its limit, and by a Kill that races the Release that hands it the lock.
func TestRLockGiveUp(t *testing.T) {
	t.Run("AcquireTimeout", func(t *testing.T) {
		run(t, func() {
			var l lock.RLock
			l.Acquire()
			g := gevent.Spawn(func() (bool, error) { return l.AcquireTimeout(5 * time.Millisecond) })
			if ok, err := g.Get(); ok || err != nil {
				t.Errorf("AcquireTimeout = %v, %v; want false, nil", ok, err)
			}
			if lock.Waiting(&l) != 0 {
				t.Errorf("waiting = %d; want 0", lock.Waiting(&l))
			}
			l.Release()
			if l.Locked() {
				t.Error("Locked after Release = true; want false")
			}
		})
	})
}

// TestRLockHandoffSkipsDeadWaiter makes Release meet a waiter whose wait a
// Kill has just ended but which has not run yet: the lock must go to the
// next waiter.
func TestRLockHandoffSkipsDeadWaiter(t *testing.T) {
	run(t, func() {
		var l lock.RLock
		h := gevent.CurrentHub()
		// Loop callbacks own the lock, so that a callback can release it.
		h.RunCallback(func() { l.TryAcquire() })
		gevent.Sleep(0)
		var errA error
		a := gevent.Go(func() { errA = l.Acquire() })
		b := gevent.Spawn(func() (bool, error) {
			err := l.Acquire()
			owned := l.Owned()
			l.Release()
			return owned, err
		})
		gevent.Sleep(0) // a and b block
		// Queue the kill, then a Release that runs after the kill is
		// delivered to a's Waiter and before a runs again.
		a.Kill(gevent.NoBlock())
		var errRelease error
		h.RunCallback(func() { errRelease = l.Release() })
		a.Join()
		if errRelease != nil || !errors.Is(errA, gevent.ErrGreenletExit) {
			t.Errorf("Release, killed Acquire = %v, %v; want nil, ErrGreenletExit", errRelease, errA)
		}
		owned, err := b.Get()
		if !owned || err != nil {
			t.Errorf("b = %v, %v; want true, nil", owned, err)
		}
		if l.Locked() || lock.Waiting(&l) != 0 {
			t.Errorf("Locked, waiting = %v, %d; want false, 0", l.Locked(), lock.Waiting(&l))
		}
	})
}

// TestRLockIdentity checks who counts as the owner: the hub's main
// goroutine, a loop callback, a greenlet and a plain goroutine are four
// different contexts.
func TestRLockIdentity(t *testing.T) {
	run(t, func() {
		var l lock.RLock
		l.Acquire()
		var cbOwned, cbTry bool
		gevent.CurrentHub().RunCallback(func() { cbOwned, cbTry = l.Owned(), l.TryAcquire() })
		gr := gevent.Spawn(func() (bool, error) { return l.Owned() || l.TryAcquire(), nil })
		gOwned, _ := gr.Get()
		ch := make(chan bool)
		go func() { ch <- l.Owned() || l.TryAcquire() }()
		if cbOwned || cbTry || gOwned || <-ch {
			t.Errorf("callback, greenlet, goroutine see the main's lock as theirs: %v %v %v", cbOwned, cbTry, gOwned)
		}
		if !l.Owned() {
			t.Error("main: Owned = false; want true")
		}
		l.Release()
		// A loop callback may hold the lock; it is the hub's, not main's.
		gevent.CurrentHub().RunCallback(func() { cbTry = l.TryAcquire() })
		gevent.Sleep(0)
		if !cbTry || !l.Locked() || l.Owned() {
			t.Errorf("callback TryAcquire = %v, Locked %v, main Owned %v; want true, true, false", cbTry, l.Locked(), l.Owned())
		}
	})
}

// TestRLockGoroutines has plain goroutines and greenlets of two hubs take
// the lock re-entrantly and checks mutual exclusion.
func TestRLockGoroutines(t *testing.T) {
	var l lock.RLock
	l.Locked() // shared from the start
	var mu sync.Mutex
	inside := 0
	const rounds = 200
	work := func(yield func()) {
		for range rounds {
			if err := l.Acquire(); err != nil {
				t.Errorf("Acquire = %v", err)
				return
			}
			l.Acquire()
			mu.Lock()
			inside++
			if inside != 1 {
				t.Errorf("%d holders inside", inside)
			}
			mu.Unlock()
			yield()
			mu.Lock()
			inside--
			mu.Unlock()
			if err := l.Release(); err != nil {
				t.Errorf("Release = %v", err)
			}
			if err := l.Release(); err != nil {
				t.Errorf("Release = %v", err)
			}
		}
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { work(func() { time.Sleep(time.Microsecond) }) })
	}
	for range 2 {
		wg.Go(func() {
			run(t, func() {
				var gs []*gevent.Greenlet[struct{}]
				for range 3 {
					gs = append(gs, gevent.Go(func() { work(func() { gevent.Sleep(0) }) }))
				}
				gevent.JoinAll(gs)
			})
		})
	}
	wg.Wait()
	if l.Locked() || lock.Waiting(&l) != 0 {
		t.Errorf("Locked, waiting = %v, %d; want false, 0", l.Locked(), lock.Waiting(&l))
	}
}
