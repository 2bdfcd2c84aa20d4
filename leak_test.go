package gevent_test

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
	"github.com/geventgo/gevent/lock"
	"github.com/geventgo/gevent/queue"
)

// TestPlainGoroutinesLeakNothing: 500 plain goroutines that each call a
// blocking gevent function (Sleep, Event.Wait, Queue.Get) and exit leave no
// hub, descriptor or goroutine behind (issue 8 §6: each used to leave a hub
// with an epoll fd and an eventfd; 8 → 1,010 fds). A socket read from a
// plain goroutine uses the process's one background hub (package socket).
func TestPlainGoroutinesLeakNothing(t *testing.T) {
	var e event.Event
	q := queue.New[int](0)
	ops := map[string]func(){
		"Sleep":      func() { gevent.Sleep(time.Millisecond) },
		"Sleep(0)":   func() { gevent.Sleep(0) },
		"Event.Wait": func() { e.Wait() },
		"Queue.Get":  func() { q.Get() },
	}
	wake := map[string]func(){
		"Event.Wait": func() { e.Set() },
		"Queue.Get":  func() { q.Put(1) },
	}
	run := func(name string, n int) {
		e.Clear()
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() { defer wg.Done(); ops[name]() }()
		}
		if w := wake[name]; w != nil {
			for range n {
				w()
			}
		}
		wg.Wait()
	}
	for name := range ops {
		run(name, 1) // warm up
	}
	base := measure(t)
	for name := range ops {
		run(name, 500)
		base.checkFDsAndHubs(t, "500 goroutines called "+name, 0)
	}
	base.checkGoroutines(t)
}

// TestPlainProducerGreenletConsumers: a plain goroutine produces into a
// queue.New[int](4) that three greenlets consume, with no Share(): the
// consumers take every item (issue 8 §6; it used to fail at once with
// ErrLoopExit, the consumers taking nothing). The producer starts only
// once the consumers are parked.
func TestPlainProducerGreenletConsumers(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		q := queue.New[int](4)
		var waiting atomic.Int32
		go func() {
			for waiting.Load() < 3 {
				runtime.Gosched()
			}
			time.Sleep(5 * time.Millisecond) // the hub has run out of work by now
			for i := range 20 {
				q.Put(i)
			}
			for range 3 {
				q.Put(-1)
			}
		}()
		var got []int
		var gs []*gevent.Greenlet[struct{}]
		for range 3 {
			gs = append(gs, gevent.Go(func() {
				waiting.Add(1)
				for {
					v, err := q.Get()
					if err != nil {
						t.Errorf("Get = %v", err)
						return
					}
					if v < 0 {
						return
					}
					got = append(got, v)
				}
			}))
		}
		if _, err := gevent.JoinAll(gs); err != nil {
			t.Fatalf("JoinAll = %v", err)
		}
		slices.Sort(got)
		if want := slices.Collect(func(yield func(int) bool) {
			for i := range 20 {
				yield(i)
			}
		}); !slices.Equal(got, want) {
			t.Errorf("consumed %v; want 0..19", got)
		}
	})
}

// TestLoopExitMessage: when nothing can wake the wait, ErrLoopExit still
// comes, naming what was waited for and the way out.
func TestLoopExitMessage(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		q := queue.New[int](1)
		g := gevent.Go(func() { q.Get() })
		g.SetName("consumer")
		_, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{g})
		if !errors.Is(err, gevent.ErrLoopExit) {
			t.Fatalf("JoinAll = %v; want ErrLoopExit", err)
		}
		if msg := err.Error(); !strings.Contains(msg, `"consumer"`) || !strings.Contains(msg, "Share") {
			t.Errorf("message %q does not name the greenlet and Share", msg)
		}
		err = g.Join()
		if !errors.Is(err, gevent.ErrLoopExit) || !strings.Contains(err.Error(), `"consumer"`) {
			t.Errorf("Join = %v; want ErrLoopExit naming the greenlet", err)
		}
		g.Kill()
	})
}

// TestPlainGoroutineWakesUnsharedObjects: an Event, an AsyncResult and a
// Semaphore that only a greenlet has used when it parks are woken by a
// plain goroutine that comes later, with no Share() (issue 8 §6).
func TestPlainGoroutineWakesUnsharedObjects(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (wait func() error, wake func())
	}{
		{"Event", func() (func() error, func()) {
			var e event.Event
			return e.Wait, e.Set
		}},
		{"AsyncResult", func() (func() error, func()) {
			var r event.AsyncResult[int]
			return func() error { _, err := r.Get(); return err }, func() { r.Set(1) }
		}},
		{"Semaphore", func() (func() error, func()) {
			var s lock.Semaphore
			return s.Acquire, func() { s.Release() }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runHub(t, func(*gevent.Hub) {
				wait, wake := tc.make()
				var parked atomic.Bool
				go func() {
					for !parked.Load() {
						runtime.Gosched()
					}
					time.Sleep(5 * time.Millisecond) // the hub has run out of work by now
					wake()
				}()
				g := gevent.Spawn(func() (int, error) {
					parked.Store(true)
					return 0, wait()
				})
				if _, err := g.Get(); err != nil {
					t.Errorf("wait woken by a plain goroutine = %v; want nil", err)
				}
			})
		})
	}
}
