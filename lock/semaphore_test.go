package lock_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/lock"
)

// run runs fn as the main greenlet of a fresh hub.
func run(t *testing.T, fn func()) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Errorf("gevent.Run = %v", err)
	}
}

func newSem(t *testing.T, n int, bounded bool) *lock.Semaphore {
	t.Helper()
	f := lock.NewSemaphore
	if bounded {
		f = lock.NewBoundedSemaphore
	}
	return f(n)
}

// TestNewSemaphore: the constructors return no error; a negative value
// counts as 0 (the old constructors returned ErrNegativeValue).
func TestNewSemaphore(t *testing.T) {
	for _, tc := range []struct {
		n, wantValue int
		bounded      bool
		wantLocked   bool
	}{
		{n: -1, wantValue: 0, wantLocked: true},
		{n: -1, wantValue: 0, bounded: true, wantLocked: true},
		{n: 0, wantValue: 0, wantLocked: true},
		{n: 0, wantValue: 0, bounded: true, wantLocked: true},
		{n: 3, wantValue: 3},
		{n: 3, wantValue: 3, bounded: true},
	} {
		t.Run(fmt.Sprintf("%d/bounded=%v", tc.n, tc.bounded), func(t *testing.T) {
			f := lock.NewSemaphore
			if tc.bounded {
				f = lock.NewBoundedSemaphore
			}
			s := f(tc.n)
			if s.Value() != tc.wantValue || s.Locked() != tc.wantLocked || s.Ready() == tc.wantLocked {
				t.Errorf("Value, Locked, Ready = %d, %v, %v; want %d, %v, %v",
					s.Value(), s.Locked(), s.Ready(), tc.wantValue, tc.wantLocked, !tc.wantLocked)
			}
			if tc.bounded && tc.n <= 0 {
				if err := s.Release(); !errors.Is(err, lock.ErrReleasedTooManyTimes) {
					t.Errorf("Release of NewBoundedSemaphore(%d) = %v; want ErrReleasedTooManyTimes", tc.n, err)
				}
			}
			if !tc.bounded && tc.n < 0 {
				if err := s.Release(); err != nil || s.Value() != 1 {
					t.Errorf("Release of NewSemaphore(%d) = %v, Value %d; want nil, 1", tc.n, err, s.Value())
				}
			}
		})
	}
	var zero lock.Semaphore
	if zero.Value() != 0 || !zero.Locked() || zero.TryAcquire() {
		t.Errorf("zero Semaphore: Value, Locked, TryAcquire = %d, %v, true; want 0, true, false", zero.Value(), zero.Locked())
	}
}

// TestSemaphoreNonBlocking runs sequences of calls that never block and
// checks each result and the counter after it.
func TestSemaphoreNonBlocking(t *testing.T) {
	type step struct {
		op      string // "try", "release", "timeout0"
		wantOK  bool
		wantErr error
		value   int // Value() after the step
	}
	for _, tc := range []struct {
		name    string
		n       int
		bounded bool
		steps   []step
	}{
		{"unbounded over-release", 1, false, []step{
			{op: "release", value: 2},
			{op: "release", value: 3},
			{op: "try", wantOK: true, value: 2},
		}},
		{"bounded refuses over-release", 2, true, []step{
			{op: "release", wantErr: lock.ErrReleasedTooManyTimes, value: 2},
			{op: "try", wantOK: true, value: 1},
			{op: "release", value: 2},
			{op: "release", wantErr: lock.ErrReleasedTooManyTimes, value: 2},
		}},
		{"bounded zero", 0, true, []step{
			{op: "release", wantErr: lock.ErrReleasedTooManyTimes, value: 0},
			{op: "try", wantOK: false, value: 0},
		}},
		{"try drains", 2, false, []step{
			{op: "try", wantOK: true, value: 1},
			{op: "try", wantOK: true, value: 0},
			{op: "try", wantOK: false, value: 0},
			{op: "timeout0", wantOK: false, value: 0},
			{op: "release", value: 1},
			{op: "timeout0", wantOK: true, value: 0},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSem(t, tc.n, tc.bounded)
			for i, st := range tc.steps {
				var ok bool
				var err error
				switch st.op {
				case "try":
					ok = s.TryAcquire()
				case "release":
					err = s.Release()
				case "timeout0":
					ok, err = s.AcquireTimeout(0)
				}
				if ok != st.wantOK || !errors.Is(err, st.wantErr) || s.Value() != st.value {
					t.Fatalf("step %d %s = %v, %v, Value %d; want %v, %v, Value %d",
						i, st.op, ok, err, s.Value(), st.wantOK, st.wantErr, st.value)
				}
			}
		})
	}
}

// TestSemaphoreFIFO checks that blocked Acquires are served in the order
// they blocked and that a released permit goes to the first of them, not to
// a caller that arrives later.
func TestSemaphoreFIFO(t *testing.T) {
	run(t, func() {
		s := newSem(t, 0, false)
		var got []int
		var gs []*gevent.Greenlet[struct{}]
		for i := range 5 {
			gs = append(gs, gevent.Go(func() {
				if err := s.Acquire(); err != nil {
					t.Errorf("Acquire %d = %v", i, err)
					return
				}
				got = append(got, i)
			}))
		}
		gevent.Sleep(0)
		if n := lock.Parked(s); n != 5 {
			t.Fatalf("parked = %d; want 5", n)
		}
		for i := range 2 {
			s.Release()
			if s.TryAcquire() {
				t.Errorf("TryAcquire right after Release = true; want false (the permit is the first waiter's)")
			}
			gevent.Sleep(0)
			if want := []int{0, 1}[:i+1]; !slices.Equal(got, want) {
				t.Errorf("after release %d: acquired %v; want %v", i, got, want)
			}
		}
		// Several releases at once wake the rest in order.
		for range 3 {
			s.Release()
		}
		gevent.JoinAll(gs)
		if want := []int{0, 1, 2, 3, 4}; !slices.Equal(got, want) {
			t.Errorf("acquired %v; want %v", got, want)
		}
		if s.Value() != 0 {
			t.Errorf("Value = %d; want 0", s.Value())
		}
	})
}

// TestSemaphoreWaitersGiveUp covers the ways a blocked Acquire ends without
// a permit; in each the waiter must leave the queue, so that the next
// Release makes a permit free.
func TestSemaphoreWaitersGiveUp(t *testing.T) {
	for _, tc := range []struct {
		name    string
		acquire func(s *lock.Semaphore) (bool, error)
		end     func(g *gevent.Greenlet[bool]) // ends the wait from main
		wantErr error
	}{
		{
			name:    "AcquireTimeout",
			acquire: func(s *lock.Semaphore) (bool, error) { return s.AcquireTimeout(5 * time.Millisecond) },
			end:     func(*gevent.Greenlet[bool]) {},
		},
		{
			name:    "Kill",
			acquire: func(s *lock.Semaphore) (bool, error) { err := s.Acquire(); return err == nil, err },
			end:     func(g *gevent.Greenlet[bool]) { g.Kill() },
			wantErr: gevent.ErrGreenletExit,
		},
		{
			name: "Timeout",
			acquire: func(s *lock.Semaphore) (bool, error) {
				err := gevent.WithTimeout(5*time.Millisecond, s.Acquire)
				return err == nil, err
			},
			end:     func(*gevent.Greenlet[bool]) {},
			wantErr: gevent.ErrTimeout,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				s := newSem(t, 0, false)
				var err error
				start := time.Now()
				g := gevent.Spawn(func() (bool, error) {
					ok, e := tc.acquire(s)
					err = e
					return ok, nil
				})
				gevent.Sleep(0)
				if n := lock.Parked(s); n != 1 {
					t.Fatalf("parked = %d; want 1", n)
				}
				tc.end(g)
				ok, _ := g.Get()
				if ok || !errors.Is(err, tc.wantErr) {
					t.Errorf("acquire = %v, %v; want false, %v", ok, err, tc.wantErr)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("acquire took %v; want about 5ms", d)
				}
				if n := lock.Parked(s); n != 0 {
					t.Errorf("parked after giving up = %d; want 0", n)
				}
				s.Release()
				if s.Value() != 1 {
					t.Errorf("Value after Release = %d; want 1", s.Value())
				}
			})
		})
	}
}

// TestSemaphoreGiveUpRacesRelease makes Release meet a waiter whose wait
// has just been ended by a Kill but which has not run yet: the permit must
// go to the next waiter, or stay free, never to the dead waiter.
func TestSemaphoreGiveUpRacesRelease(t *testing.T) {
	for _, tc := range []struct {
		name      string
		second    bool // a second waiter is blocked behind the killed one
		wantValue int
	}{
		{"no other waiter", false, 1},
		{"next waiter", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				s := newSem(t, 1, true)
				s.TryAcquire()
				var errA error
				a := gevent.Go(func() { errA = s.Acquire() })
				var b *gevent.Greenlet[bool]
				if tc.second {
					b = gevent.Spawn(func() (bool, error) { return true, s.Acquire() })
				}
				gevent.Sleep(0)
				// Queue the kill, then a Release that runs after the kill is
				// delivered to a's Waiter and before a runs again.
				a.Kill(gevent.NoBlock())
				gevent.CurrentHub().RunCallback(func() {
					if err := s.Release(); err != nil {
						t.Errorf("Release = %v", err)
					}
				})
				a.Join()
				if !errors.Is(errA, gevent.ErrGreenletExit) {
					t.Errorf("killed Acquire = %v; want ErrGreenletExit", errA)
				}
				if b != nil {
					if ok, err := b.Get(); !ok || err != nil {
						t.Errorf("second Acquire = %v, %v; want true, nil", ok, err)
					}
				}
				if s.Value() != tc.wantValue || lock.Parked(s) != 0 {
					t.Errorf("Value, parked = %d, %d; want %d, 0", s.Value(), lock.Parked(s), tc.wantValue)
				}
			})
		})
	}
}

func TestSemaphoreAcquireTimeoutSucceeds(t *testing.T) {
	run(t, func() {
		s := newSem(t, 0, false)
		g := gevent.Spawn(func() (bool, error) { return s.AcquireTimeout(10 * time.Second) })
		gevent.Sleep(0)
		s.Release()
		if ok, err := g.Get(); !ok || err != nil {
			t.Errorf("AcquireTimeout = %v, %v; want true, nil", ok, err)
		}
		if s.Value() != 0 {
			t.Errorf("Value = %d; want 0", s.Value())
		}
	})
}

func TestSemaphoreBlockingErrors(t *testing.T) {
	t.Run("LoopExit", func(t *testing.T) {
		run(t, func() {
			s := newSem(t, 0, false)
			if err := s.Acquire(); !errors.Is(err, gevent.ErrLoopExit) {
				t.Errorf("Acquire with nothing alive = %v; want ErrLoopExit", err)
			}
			if lock.Parked(s) != 0 {
				t.Errorf("parked = %d; want 0", lock.Parked(s))
			}
		})
	})
	t.Run("loop callback", func(t *testing.T) {
		run(t, func() {
			s := newSem(t, 0, false)
			var err error
			gevent.CurrentHub().RunCallback(func() { err = s.Acquire() })
			gevent.Sleep(0)
			if !errors.Is(err, gevent.ErrBlockingSwitchOut) || lock.Parked(s) != 0 {
				t.Errorf("Acquire in a callback = %v, parked %d; want ErrBlockingSwitchOut, 0", err, lock.Parked(s))
			}
		})
	})
}

// TestSemaphoreWait checks Wait, WaitTimeout and their place in the FIFO:
// a Wait does not take the permit, an Acquire queued before it does.
func TestSemaphoreWait(t *testing.T) {
	run(t, func() {
		s := newSem(t, 0, false)
		var log []string
		acq := gevent.Go(func() {
			if err := s.Acquire(); err == nil {
				log = append(log, "acquire")
			}
		})
		wt := gevent.Go(func() {
			if err := s.Wait(); err == nil {
				log = append(log, fmt.Sprintf("wait %d", s.Value()))
			}
		})
		gevent.Sleep(0)
		if ok, err := s.WaitTimeout(time.Millisecond); ok || err != nil {
			t.Errorf("WaitTimeout with no permit = %v, %v; want false, nil", ok, err)
		}
		s.Release() // taken by acq; the Wait stays blocked
		gevent.Sleep(0)
		if want := []string{"acquire"}; !slices.Equal(log, want) {
			t.Errorf("after one Release: %v; want %v", log, want)
		}
		s.Release()
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{acq, wt})
		if want := []string{"acquire", "wait 1"}; !slices.Equal(log, want) {
			t.Errorf("log = %v; want %v", log, want)
		}
		if ok, err := s.WaitTimeout(0); !ok || err != nil || s.Value() != 1 {
			t.Errorf("WaitTimeout with a permit = %v, %v, Value %d; want true, nil, 1", ok, err, s.Value())
		}
	})
}

// TestSemaphoreWaitable checks the gevent.Waitable protocol: gevent.Wait
// returns when a permit is free, links run after the Acquires queued before
// them, and Unlink cancels a link.
func TestSemaphoreWaitable(t *testing.T) {
	run(t, func() {
		s := newSem(t, 0, false)
		gevent.Go(func() { s.Release() })
		done, _ := gevent.Wait([]gevent.Waitable{s})
		if len(done) != 1 || done[0] != gevent.Waitable(s) {
			t.Errorf("Wait = %v; want the semaphore", done)
		}

		s2 := newSem(t, 0, false)
		var log []string
		g := gevent.Go(func() {
			if s2.Acquire() == nil {
				log = append(log, "acquire")
			}
		})
		gevent.Sleep(0)
		s2.RawLink(func() { log = append(log, "link") })
		cancelled := s2.RawLink(func() { log = append(log, "cancelled") })
		s2.Unlink(cancelled)
		s2.Release()
		g.Join()
		if want := []string{"acquire"}; !slices.Equal(log, want) {
			t.Errorf("after the first Release: %v; want %v", log, want)
		}
		s2.Release()
		if want := []string{"acquire", "link"}; !slices.Equal(log, want) {
			t.Errorf("after the second Release: %v; want %v", log, want)
		}
		// A link made while a permit is free runs after the caller yields.
		s2.RawLink(func() { log = append(log, "ready") })
		if len(log) != 2 {
			t.Errorf("link on a ready semaphore ran before the caller yielded")
		}
		s2.Unlink(s2.RawLink(func() { log = append(log, "cancelled") }))
		gevent.Sleep(0)
		if want := []string{"acquire", "link", "ready"}; !slices.Equal(log, want) {
			t.Errorf("log = %v; want %v", log, want)
		}
		if lock.Parked(s2) != 0 || s2.Value() != 1 {
			t.Errorf("parked, Value = %d, %d; want 0, 1", lock.Parked(s2), s2.Value())
		}
	})
}

// context is one kind of caller of a cross-context test.
type context int

const (
	greenletSameHub  context = iota // a greenlet of the waiter's hub
	hubMain                         // a hub's owning goroutine
	greenletOtherHub                // a greenlet of another hub
	plainGoroutine                  // a goroutine without a hub
)

func (c context) String() string {
	return [...]string{"greenlet", "hub main", "other hub", "goroutine"}[c]
}

// inContext runs fn in a new goroutine as the given kind of context (for
// greenletSameHub: a greenlet of a fresh hub) and returns a channel closed
// when fn has returned.
func inContext(t *testing.T, c context, fn func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		switch c {
		case plainGoroutine:
			fn()
		case hubMain:
			run(t, fn)
		default:
			run(t, func() { gevent.Go(fn).Join() })
		}
	}()
	return done
}

// TestSemaphoreCrossContext blocks an Acquire in each kind of context and
// releases it from each kind of other context.
func TestSemaphoreCrossContext(t *testing.T) {
	waiters := []context{greenletSameHub, hubMain, plainGoroutine}
	wakers := []context{greenletOtherHub, hubMain, plainGoroutine}
	for _, bounded := range []bool{false, true} {
		for _, wc := range waiters {
			for _, kc := range wakers {
				t.Run(fmt.Sprintf("bounded=%v/%v waits/%v releases", bounded, wc, kc), func(t *testing.T) {
					s := newSem(t, 1, bounded)
					touched := make(chan struct{})
					var err error
					wDone := inContext(t, wc, func() {
						<-touched
						if !s.TryAcquire() {
							t.Error("TryAcquire = false; want true")
						}
						err = s.Acquire()
					})
					kDone := inContext(t, kc, func() {
						s.Locked() // the semaphore is now shared with this context
						close(touched)
						for lock.Parked(s) == 0 {
							if kc == plainGoroutine {
								time.Sleep(100 * time.Microsecond)
							} else {
								gevent.Sleep(100 * time.Microsecond)
							}
						}
						if e := s.Release(); e != nil {
							t.Errorf("Release = %v", e)
						}
					})
					<-kDone
					<-wDone
					if err != nil || s.Value() != 0 {
						t.Errorf("Acquire = %v, Value %d; want nil, 0", err, s.Value())
					}
				})
			}
		}
	}
}

// TestSemaphoreStress has greenlets of several hubs and plain goroutines
// acquire a semaphore of 2 permits, some with timeouts that race the
// releases, and checks that at most 2 hold it at once and that no permit is
// lost.
func TestSemaphoreStress(t *testing.T) {
	const (
		permits  = 2
		hubs     = 3
		perHub   = 4
		plain    = 4
		rounds   = 200
		holdMask = 7
	)
	for _, bounded := range []bool{false, true} {
		t.Run(fmt.Sprintf("bounded=%v", bounded), func(t *testing.T) {
			s := newSem(t, permits, bounded)
			s.Locked() // shared with a plain goroutine from the start
			var holding, maxHeld, acquired, timedOut atomic.Int64
			work := func(i int, sleep func(time.Duration)) {
				for r := range rounds {
					var ok bool
					var err error
					if (i+r)%3 == 0 {
						ok, err = s.AcquireTimeout(time.Duration(r%5) * 20 * time.Microsecond)
					} else {
						err = s.Acquire()
						ok = err == nil
					}
					if err != nil {
						t.Errorf("acquire = %v", err)
						return
					}
					if !ok {
						timedOut.Add(1)
						continue
					}
					acquired.Add(1)
					for h := holding.Add(1); ; {
						m := maxHeld.Load()
						if h <= m || maxHeld.CompareAndSwap(m, h) {
							break
						}
					}
					if r&holdMask == 0 {
						sleep(0)
					}
					holding.Add(-1)
					if err := s.Release(); err != nil {
						t.Errorf("Release = %v", err)
						return
					}
				}
			}
			var wg sync.WaitGroup
			for h := range hubs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					run(t, func() {
						var gs []*gevent.Greenlet[struct{}]
						for i := range perHub {
							gs = append(gs, gevent.Go(func() {
								work(h*perHub+i, func(d time.Duration) { gevent.Sleep(d) })
							}))
						}
						gevent.JoinAll(gs)
					})
				}()
			}
			for i := range plain {
				wg.Add(1)
				go func() {
					defer wg.Done()
					work(1000+i, func(time.Duration) { time.Sleep(time.Microsecond) })
				}()
			}
			wg.Wait()
			if m := maxHeld.Load(); m > permits {
				t.Errorf("%d holders at once; want at most %d", m, permits)
			}
			if s.Value() != permits || lock.Parked(s) != 0 {
				t.Errorf("Value, parked = %d, %d; want %d, 0", s.Value(), lock.Parked(s), permits)
			}
			total := int64((hubs*perHub + plain) * rounds)
			if got := acquired.Load() + timedOut.Load(); got != total {
				t.Errorf("acquired+timed out = %d; want %d", got, total)
			}
		})
	}
}

func TestDummySemaphore(t *testing.T) {
	var d lock.Acquirer = lock.DummySemaphore{}
	for range 3 {
		if err := d.Acquire(); err != nil {
			t.Errorf("Acquire = %v; want nil", err)
		}
	}
	ok, err := d.AcquireTimeout(0)
	if !ok || err != nil || !d.TryAcquire() || d.Locked() || d.Release() != nil {
		t.Errorf("AcquireTimeout, TryAcquire, Locked, Release = %v %v, %v, %v, _; want true nil, true, false, nil",
			ok, err, d.TryAcquire(), d.Locked())
	}
	run(t, func() {
		called := false
		lock.DummySemaphore{}.RawLink(func() { called = true })
		if called {
			t.Error("RawLink ran fn before the caller yielded")
		}
		done, _ := gevent.Wait([]gevent.Waitable{lock.DummySemaphore{}})
		gevent.Sleep(0) // Wait of a ready object does not switch
		if len(done) != 1 || !called {
			t.Errorf("Wait = %v, link called %v; want 1 object, true", done, called)
		}
	})
}
