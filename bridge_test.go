package gevent_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// barrier returns a function that each of n callers calls; it returns true
// once all n have called it, or false after 10 s. Only calls that run at
// the same time can all pass it.
func barrier(n int) func() bool {
	var wg sync.WaitGroup
	wg.Add(n)
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	return func() bool {
		wg.Done()
		select {
		case <-all:
			return true
		case <-time.After(10 * time.Second):
			return false
		}
	}
}

// TestBlockingContextConcurrent: three greenlets each run a function that
// only returns once all three are running, so the calls overlap; a ticker
// greenlet keeps ticking meanwhile, so the hub is not blocked.
func TestBlockingContextConcurrent(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var ticks atomic.Int32
		stop := false
		ticker := gevent.Go(func() {
			for !stop {
				gevent.Sleep(time.Millisecond)
				ticks.Add(1)
			}
		})
		wait := barrier(3)
		var gs []*gevent.Greenlet[int]
		for i := range 3 {
			gs = append(gs, gevent.Spawn(func() (int, error) {
				return gevent.BlockingContext(context.Background(), func(ctx context.Context) (int, error) {
					// Hold the worker until the hub has ticked a few times.
					deadline := time.Now().Add(10 * time.Second)
					for ticks.Load() < 3 {
						if time.Now().After(deadline) {
							return -1, errors.New("the hub did not tick while the call ran")
						}
						time.Sleep(100 * time.Microsecond)
					}
					if !wait() {
						return -1, errors.New("the three calls did not run at once")
					}
					return i, nil
				})
			}))
		}
		if _, err := gevent.JoinAll(gs); err != nil {
			t.Fatalf("JoinAll = %v", err)
		}
		stop = true
		ticker.Join()
		for i, g := range gs {
			if v, err := g.Get(); v != i || err != nil {
				t.Errorf("greenlet %d: Get = %v, %v; want %d, nil", i, v, err, i)
			}
		}
	})
}

// TestBlockingContextUnbounded: unlike Blocking, more than
// MaxBlockingWorkers calls run at once.
func TestBlockingContextUnbounded(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		n := gevent.MaxBlockingWorkers + 16
		wait := barrier(n)
		gs := make([]*gevent.Greenlet[bool], n)
		for i := range gs {
			gs[i] = gevent.Spawn(func() (bool, error) {
				return gevent.BlockingContext(context.Background(), func(context.Context) (bool, error) { return wait(), nil })
			})
		}
		gevent.JoinAll(gs)
		for i, g := range gs {
			if v, err := g.Get(); !v || err != nil {
				t.Fatalf("call %d = %v, %v; want true (all %d ran at once), nil", i, v, err, n)
			}
		}
	})
}

func TestBlockingContextResults(t *testing.T) {
	type key struct{}
	parent := context.WithValue(context.Background(), key{}, "v")
	runHub(t, func(*gevent.Hub) {
		// In the hub's owning goroutine (the main greenlet) and a greenlet.
		for _, where := range []string{"main", "greenlet"} {
			call := func() {
				v, err := gevent.BlockingContext(parent, func(ctx context.Context) (any, error) {
					return ctx.Value(key{}), nil
				})
				if v != "v" || err != nil {
					t.Errorf("%s: BlockingContext = %v, %v; want the parent's value, nil", where, v, err)
				}
				if _, err := gevent.BlockingContext(parent, func(context.Context) (int, error) { return 0, errBoom }); !errors.Is(err, errBoom) {
					t.Errorf("%s: BlockingContext of a failing fn = %v; want boom", where, err)
				}
				var pe *gevent.PanicError
				if _, err := gevent.BlockingContext(parent, func(context.Context) (int, error) { panic("worker panic") }); !errors.As(err, &pe) || pe.Value != "worker panic" {
					t.Errorf("%s: BlockingContext of a panicking fn = %v; want *PanicError", where, err)
				}
				_, err = gevent.BlockingContext(parent, func(context.Context) (int, error) {
					runtime.Goexit()
					return 0, nil
				})
				if err == nil {
					t.Errorf("%s: BlockingContext of a fn calling runtime.Goexit = nil error", where)
				}
			}
			if where == "main" {
				call()
			} else {
				gevent.Go(call).Join()
			}
		}
	})
	// Without a hub, fn is called directly with the parent context.
	var got context.Context
	v, err := gevent.BlockingContext(parent, func(ctx context.Context) (int, error) { got = ctx; return 7, nil })
	if v != 7 || err != nil || got != parent {
		t.Errorf("BlockingContext without a hub = %v, %v (ctx %v); want 7, nil, the parent", v, err, got)
	}
	var pe *gevent.PanicError
	//lint:ignore SA1012 a nil context is accepted and means context.Background
	if _, err := gevent.BlockingContext(nil, func(ctx context.Context) (int, error) {
		if ctx == nil {
			return 0, errors.New("nil context")
		}
		panic("direct")
	}); !errors.As(err, &pe) {
		t.Errorf("BlockingContext(context.Background(), panicking fn) without a hub = %v; want *PanicError", err)
	}
	if hubapi.CurrentHubIfAny() != nil {
		t.Error("BlockingContext without a hub created one")
	}
}

// TestBlockingContextDoneAfterReturn: fn's context is scoped to the call.
func TestBlockingContextDoneAfterReturn(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var inside context.Context
		gevent.BlockingContext(context.Background(), func(ctx context.Context) (int, error) {
			if ctx.Err() != nil {
				t.Errorf("fn's context is done while fn runs: %v", ctx.Err())
			}
			inside = ctx
			return 0, nil
		})
		if !errors.Is(inside.Err(), context.Canceled) {
			t.Errorf("after the call, fn's context Err = %v; want context.Canceled", inside.Err())
		}
	})
}

// waitCause is a fn that waits for its context and reports the cause.
func waitCause(started chan<- struct{}, cause chan<- error) func(ctx context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		cause <- context.Cause(ctx)
		return 0, ctx.Err()
	}
}

// TestBlockingContextKill: Kill ends the call at once with ErrGreenletExit
// and cancels fn's context with it as the cause.
func TestBlockingContextKill(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		started, cause := make(chan struct{}), make(chan error, 1)
		var err error
		g := gevent.Go(func() { _, err = gevent.BlockingContext(context.Background(), waitCause(started, cause)) })
		// Wait cooperatively until the worker runs fn.
		gevent.Blocking(func() (struct{}, error) { <-started; return struct{}{}, nil })
		g.Kill()
		if !errors.Is(err, gevent.ErrGreenletExit) {
			t.Errorf("BlockingContext of a killed greenlet = %v; want ErrGreenletExit", err)
		}
		select {
		case c := <-cause:
			if !errors.Is(c, gevent.ErrGreenletExit) {
				t.Errorf("context.Cause in fn = %v; want ErrGreenletExit", c)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("fn's context was not cancelled by the kill")
		}
	})
}

// TestBlockingContextTimeout: a Timeout of the caller cancels fn's context
// with the *Timeout (or its custom error) as the cause and is returned.
func TestBlockingContextTimeout(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		errCustom := errors.New("too long")
		for _, custom := range []error{nil, errCustom} {
			started, cause := make(chan struct{}), make(chan error, 1)
			to := gevent.NewTimeout(20*time.Millisecond, custom)
			if err := to.Start(); err != nil {
				t.Fatal(err)
			}
			_, err := gevent.BlockingContext(context.Background(), waitCause(started, cause))
			to.Cancel()
			want := error(to)
			if custom != nil {
				want = custom
			}
			if !errors.Is(err, want) {
				t.Errorf("BlockingContext under a Timeout = %v; want %v", err, want)
			}
			if c := <-cause; !errors.Is(c, want) {
				t.Errorf("context.Cause in fn = %v; want %v", c, want)
			}
		}
	})
}

// TestBlockingContextPreempted: a greenlet killed already gets the kill
// error without fn running (kills are sticky).
func TestBlockingContextPreempted(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		ran := false
		var err error
		g := gevent.Go(func() {
			gevent.Sleep(time.Hour) // returns the kill
			_, err = gevent.BlockingContext(context.Background(), func(context.Context) (int, error) { ran = true; return 1, nil })
		})
		gevent.Sleep(0)
		g.Kill()
		if !errors.Is(err, gevent.ErrGreenletExit) || ran {
			t.Errorf("BlockingContext in a killed greenlet = %v (fn ran: %v); want ErrGreenletExit without running fn", err, ran)
		}
	})
}

// TestBlockingContextParentCancelled: cancelling the parent context reaches
// fn, and the call returns what fn returns.
func TestBlockingContextParentCancelled(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		parent, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		var v int
		var err error
		g := gevent.Go(func() {
			v, err = gevent.BlockingContext(parent, func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done()
				return 5, ctx.Err()
			})
		})
		gevent.Blocking(func() (struct{}, error) { <-started; return struct{}{}, nil })
		cancel()
		g.Join()
		if v != 5 || !errors.Is(err, context.Canceled) {
			t.Errorf("BlockingContext after the parent's cancel = %v, %v; want fn's 5, context.Canceled", v, err)
		}
	})
}

// TestBlockingContextLoopCallback: a loop callback cannot park.
func TestBlockingContextLoopCallback(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		var err error
		done := false
		h.RunCallback(func() {
			_, err = gevent.BlockingContext(context.Background(), func(context.Context) (int, error) { return 1, nil })
			done = true
		})
		for !done {
			gevent.Sleep(0)
		}
		if !errors.Is(err, gevent.ErrBlockingSwitchOut) {
			t.Errorf("BlockingContext in a loop callback = %v; want ErrBlockingSwitchOut", err)
		}
	})
}

// TestBlockingContextHubDestroyed: a hub destroyed under a waiting greenlet
// cancels fn's context.
func TestBlockingContextHubDestroyed(t *testing.T) {
	started, cause := make(chan struct{}), make(chan error, 1)
	runHub(t, func(*gevent.Hub) {
		gevent.Go(func() { gevent.BlockingContext(context.Background(), waitCause(started, cause)) })
		gevent.Blocking(func() (struct{}, error) { <-started; return struct{}{}, nil })
	})
	select {
	case c := <-cause:
		if !errors.Is(c, gevent.ErrHubDestroyed) {
			t.Errorf("context.Cause after the hub's destruction = %v; want ErrHubDestroyed", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("fn's context was not cancelled when the hub was destroyed")
	}
}

// TestBlockingContextTwoHubs: greenlets of two hubs, on two goroutines, and
// a plain goroutine call BlockingContext at the same time.
func TestBlockingContextTwoHubs(t *testing.T) {
	const perHub = 3
	wait := barrier(2*perHub + 1)
	var wg sync.WaitGroup
	results := make(chan error, 2*perHub+1)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gevent.Run(func() {
				var gs []*gevent.Greenlet[bool]
				for range perHub {
					gs = append(gs, gevent.Spawn(func() (bool, error) {
						return gevent.BlockingContext(context.Background(), func(context.Context) (bool, error) { return wait(), nil })
					}))
				}
				gevent.JoinAll(gs)
				for _, g := range gs {
					if v, err := g.Get(); !v || err != nil {
						results <- errors.New("a greenlet's call did not overlap the others")
					} else {
						results <- nil
					}
				}
			})
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if v, _ := gevent.BlockingContext(context.Background(), func(context.Context) (bool, error) { return wait(), nil }); !v {
			results <- errors.New("the plain goroutine's call did not overlap the others")
		} else {
			results <- nil
		}
	}()
	wg.Wait()
	close(results)
	n := 0
	for err := range results {
		n++
		if err != nil {
			t.Error(err)
		}
	}
	if n != 2*perHub+1 {
		t.Errorf("%d results; want %d", n, 2*perHub+1)
	}
}

// BenchmarkBlockingContext is one round trip through a worker from a hub
// with nothing else to do; BenchmarkBlocking the same for Blocking.
func BenchmarkBlockingContext(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		fn := func(context.Context) (int, error) { return 1, nil }
		for b.Loop() {
			gevent.BlockingContext(context.Background(), fn)
		}
	})
}

func BenchmarkBlocking(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		fn := func() (int, error) { return 1, nil }
		for b.Loop() {
			gevent.Blocking(fn)
		}
	})
}

// BenchmarkBlockingContextLockedThread is BenchmarkBlockingContext on a hub
// whose goroutine is locked to its OS thread, as server.StreamServer's hubs
// are with Hubs > 1.
func BenchmarkBlockingContextLockedThread(b *testing.B) {
	b.ReportAllocs()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		gevent.Run(func() {
			fn := func(context.Context) (int, error) { return 1, nil }
			for b.Loop() {
				gevent.BlockingContext(context.Background(), fn)
			}
		})
	}()
	<-done
}

// slowQuery stands for any context-aware call (database/sql's QueryContext,
// an HTTP request, an RPC): it blocks its goroutine until it is done or
// its context is.
func slowQuery(ctx context.Context, d time.Duration) (string, error) {
	select {
	case <-time.After(d):
		return "rows", nil
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// A Timeout of the calling greenlet cancels the call's context; only the
// calling greenlet waits meanwhile.
func ExampleBlockingContext() {
	gevent.Run(func() {
		v, err := gevent.BlockingContext(context.Background(), func(ctx context.Context) (string, error) {
			return slowQuery(ctx, 10*time.Millisecond)
		})
		fmt.Println(v, err)

		cause := make(chan error, 1)
		err = gevent.WithTimeout(20*time.Millisecond, func() error {
			_, err := gevent.BlockingContext(context.Background(), func(ctx context.Context) (string, error) {
				v, err := slowQuery(ctx, time.Hour)
				cause <- err
				return v, err
			})
			return err
		})
		fmt.Println("timed out:", errors.Is(err, gevent.ErrTimeout))
		fmt.Println("the query saw the Timeout:", errors.Is(<-cause, gevent.ErrTimeout))
	})
	// Output:
	// rows <nil>
	// timed out: true
	// the query saw the Timeout: true
}
