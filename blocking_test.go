package gevent_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// TestBlockingParallel: three greenlets each call Blocking with a function
// that returns only after the hub has run a ticker greenlet three times, so
// the hub keeps running other greenlets while Blocking calls wait on their
// workers (gevent's threadpool, docs/gevent.md §7). That they run
// at once is TestBlockingRunsConcurrently's.
func TestBlockingParallel(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		ticked := make(chan struct{}) // closed at the third tick
		ticker := gevent.Go(func() {
			for ticks := 1; gevent.Sleep(time.Millisecond) == nil; ticks++ {
				if ticks == 3 {
					close(ticked)
				}
			}
		})
		defer ticker.Kill()
		var gs []*gevent.Greenlet[int]
		for i := range 3 {
			gs = append(gs, gevent.Spawn(func() (int, error) {
				return gevent.Blocking(func() (int, error) {
					select {
					case <-ticked:
						return i, nil
					case <-time.After(10 * time.Second):
						return -1, errors.New("the ticker did not run while Blocking waited")
					}
				})
			}))
		}
		if _, err := gevent.JoinAll(gs); err != nil {
			t.Fatalf("JoinAll = %v", err)
		}
		for i, g := range gs {
			if v, err := g.Get(); v != i || err != nil {
				t.Errorf("greenlet %d: Get = %v, %v; want %d, nil", i, v, err, i)
			}
		}
	})
}

// TestBlockingRunsConcurrently proves the overlap without timing: each call
// waits until all three have started, which only parallel workers allow.
func TestBlockingRunsConcurrently(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var wg sync.WaitGroup
		wg.Add(3)
		all := make(chan struct{})
		go func() { wg.Wait(); close(all) }()
		var gs []*gevent.Greenlet[bool]
		for range 3 {
			gs = append(gs, gevent.Spawn(func() (bool, error) {
				return gevent.Blocking(func() (bool, error) {
					wg.Done()
					select {
					case <-all:
						return true, nil
					case <-time.After(5 * time.Second):
						return false, nil
					}
				})
			}))
		}
		gevent.JoinAll(gs)
		for i, g := range gs {
			if v, err := g.Get(); !v || err != nil {
				t.Errorf("call %d: = %v, %v; want true (all three ran at once), nil", i, v, err)
			}
		}
	})
}

func TestBlockingResults(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		if v, err := gevent.Blocking(func() (string, error) { return "main", nil }); v != "main" || err != nil {
			t.Errorf("Blocking in main = %q, %v", v, err)
		}
		if _, err := gevent.Blocking(func() (int, error) { return 0, errBoom }); !errors.Is(err, errBoom) {
			t.Errorf("Blocking of a failing fn = %v; want boom", err)
		}
		var pe *gevent.PanicError
		if _, err := gevent.Blocking(func() (int, error) { panic("worker panic") }); !errors.As(err, &pe) || pe.Value != "worker panic" {
			t.Errorf("Blocking of a panicking fn = %v; want *PanicError", err)
		}
	})
	// Without a hub, Blocking just calls fn.
	if v, err := gevent.Blocking(func() (int, error) { return 7, nil }); v != 7 || err != nil {
		t.Errorf("Blocking without a hub = %v, %v; want 7, nil", v, err)
	}
	if hubapi.CurrentHubIfAny() != nil {
		t.Error("Blocking without a hub created one")
	}
}

// TestBlockingInterrupted: a kill or Timeout ends the wait at once; the
// function runs to its end and its result is dropped.
func TestBlockingInterrupted(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		release, finished := make(chan struct{}), make(chan struct{})
		var err error
		g := gevent.Go(func() {
			_, err = gevent.Blocking(func() (int, error) {
				<-release
				close(finished)
				return 1, nil
			})
		})
		gevent.Sleep(time.Millisecond)
		g.Kill() // returns while the worker is still blocked
		if !errors.Is(err, gevent.ErrGreenletExit) {
			t.Errorf("Blocking of a killed greenlet = %v; want ErrGreenletExit", err)
		}
		err = gevent.WithTimeout(5*time.Millisecond, func() error {
			_, err := gevent.Blocking(func() (int, error) { <-release; return 0, nil })
			return err
		})
		if !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Blocking under a Timeout = %v; want ErrTimeout", err)
		}
		select {
		case <-finished:
			t.Error("the worker finished before release: the interrupted calls waited for it")
		default:
		}
		close(release)
		<-finished
	})
}

// TestBlockingBounded: at most MaxBlockingWorkers functions run at once; the
// calls beyond it queue and run when a worker is free.
func TestBlockingBounded(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		n := gevent.MaxBlockingWorkers + 6
		var mu sync.Mutex
		running, most := 0, 0
		gs := make([]*gevent.Greenlet[int], n)
		start := time.Now()
		for i := range gs {
			gs[i] = gevent.Spawn(func() (int, error) {
				return gevent.Blocking(func() (int, error) {
					mu.Lock()
					running++
					most = max(most, running)
					mu.Unlock()
					time.Sleep(20 * time.Millisecond)
					mu.Lock()
					running--
					mu.Unlock()
					return i, nil
				})
			})
		}
		gevent.JoinAll(gs)
		for i, g := range gs {
			if v, err := g.Get(); v != i || err != nil {
				t.Errorf("call %d = %v, %v", i, v, err)
			}
		}
		if most > gevent.MaxBlockingWorkers || most < 2 {
			t.Errorf("%d calls ran at once; want between 2 and %d", most, gevent.MaxBlockingWorkers)
		}
		// More calls than workers need at least two rounds.
		if d := time.Since(start); d < 40*time.Millisecond {
			t.Errorf("%d 20ms calls took %v; want >= 40ms with %d workers", n, d, gevent.MaxBlockingWorkers)
		}
	})
}
