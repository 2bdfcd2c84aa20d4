package queue_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/loop"
	"github.com/geventgo/gevent/queue"
)

// TestDirectSwitchKeepsOrder: greenlets that hand items through a Channel
// run each other directly (the direct switch, coro.go), in the order the
// hub would have run them: a third greenlet looping on Sleep(0) interleaves
// exactly as through the hub. (gevent 22.10.2 prints "other0 got0 put0 got1
// put1 got2 put2 other1 other2 other3": its get switches to the hub before
// taking a blocked putter's item, which this Channel skips on purpose, see
// docs/design.md "Hand-off order".)
func TestDirectSwitchKeepsOrder(t *testing.T) {
	var log []string
	gevent.Run(func() {
		c := queue.NewChannel[int]()
		getter := gevent.Go(func() {
			for range 3 {
				v, err := c.Get()
				if err != nil {
					t.Errorf("Get = %v", err)
					return
				}
				log = append(log, "got"+string(rune('0'+v)))
			}
		})
		putter := gevent.Go(func() {
			for i := range 3 {
				if err := c.Put(i); err != nil {
					t.Errorf("Put = %v", err)
					return
				}
				log = append(log, "put"+string(rune('0'+i)))
			}
		})
		other := gevent.Go(func() {
			for i := range 4 {
				log = append(log, "other"+string(rune('0'+i)))
				gevent.Sleep(0)
			}
		})
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{getter, putter, other})
	})
	// The order of the hub-driven switch (before the direct switch existed).
	want := "other0 got0 put0 other1 got1 put1 other2 got2 put2 other3"
	if got := strings.Join(log, " "); got != want {
		t.Errorf("order = %q; want %q", got, want)
	}
}

// TestDirectSwitchDoesNotStarve: two greenlets ping-ponging through a
// Channel without end run each other directly, yet a 50 ms Timeout, a timer
// (Sleep) and a ready descriptor still fire: the direct switch spends the
// loop's switch interval like the hub's callback phase (issue 8 §1).
func TestDirectSwitchDoesNotStarve(t *testing.T) {
	gevent.Run(func() {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		ioSeen := make(chan struct{})
		io, err := hubapi.Loop(gevent.CurrentHub()).NewIO(int(r.Fd()), loop.Read, func(loop.Interest) {
			select {
			case <-ioSeen:
			default:
				close(ioSeen)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer io.Close()
		if err := io.Start(); err != nil {
			t.Fatal(err)
		}
		c := queue.NewChannel[int]()
		stop := false
		var items int
		guard := time.Now().Add(10 * time.Second)
		getter := gevent.Go(func() {
			for !stop && time.Now().Before(guard) {
				if _, err := c.Get(); err != nil {
					return
				}
				items++
			}
		})
		putter := gevent.Go(func() {
			for !stop && time.Now().Before(guard) {
				if err := c.Put(1); err != nil {
					return
				}
			}
		})
		var toErr, toWant error
		var toFor time.Duration
		timed := gevent.Go(func() {
			start := time.Now()
			to, _ := gevent.StartTimeout(50*time.Millisecond, nil)
			defer to.Cancel()
			toWant = to
			toErr = gevent.Sleep(time.Hour)
			toFor = time.Since(start)
		})
		var sleepErr error
		var sleptFor time.Duration
		sleeper := gevent.Go(func() {
			start := time.Now()
			sleepErr = gevent.Sleep(10 * time.Millisecond)
			sleptFor = time.Since(start)
			w.Write([]byte("x"))
		})
		sleeper.Join()
		if sleepErr != nil || sleptFor < 10*time.Millisecond || sleptFor > 5*time.Second {
			t.Errorf("Sleep(10ms) during the ping-pong = %v after %v", sleepErr, sleptFor)
		}
		timed.Join()
		if toErr != toWant || toFor < 50*time.Millisecond || toFor > 5*time.Second {
			t.Errorf("Sleep(1h) under a 50ms Timeout = %v after %v; want the Timeout", toErr, toFor)
		}
		stop = true
		c.Shutdown()
		getter.Join()
		putter.Join()
		if items == 0 {
			t.Errorf("no item went through the Channel")
		}
		for range 1000 {
			select {
			case <-ioSeen:
				return
			default:
			}
			if err := gevent.Sleep(time.Millisecond); err != nil && !errors.Is(err, gevent.ErrTimeout) {
				t.Fatal(err)
			}
		}
		t.Errorf("the ready pipe's watcher did not run")
	})
}

// TestChannelPutLoopSeesTimeout: a greenlet that puts into a Channel whose
// getter always waits never blocks for long, yet an outer Timeout still
// reaches it at one of its puts, and every put that returned nil was taken
// (nothing lost, nothing invented). Before, the Timeout expired inside the
// put's yield to the getter and was dropped, so the loop never ended.
func TestChannelPutLoopSeesTimeout(t *testing.T) {
	gevent.Run(func() {
		c := queue.NewChannel[int]()
		got := 0
		getter := gevent.Go(func() {
			for {
				if _, err := c.Get(); err != nil {
					return
				}
				got++
			}
		})
		put := 0
		done := make(chan error, 1)
		putter := gevent.Go(func() {
			done <- gevent.WithTimeout(50*time.Millisecond, func() error {
				for {
					if err := c.Put(put); err != nil {
						return err
					}
					put++
				}
			})
		})
		if ended, _ := gevent.JoinAll([]*gevent.Greenlet[struct{}]{putter}, gevent.Within(10*time.Second)); len(ended) != 1 {
			t.Fatal("the put loop did not end within 10 s; want it to end at its 50 ms Timeout")
		}
		if err := <-done; !errors.Is(err, gevent.ErrTimeout) {
			t.Fatalf("put loop = %v; want ErrTimeout", err)
		}
		getter.Kill()
		if put == 0 || got != put {
			t.Fatalf("puts that succeeded = %d, items taken = %d; want equal and > 0", put, got)
		}
	})
}

// TestChannelHandOffKeepsKillPending: a getter that kills its putter while
// running in the putter's hand-off (the putter switched into it, or it runs
// the putter nested: both start orders) gets every item put. The kill
// runs as a callback behind the putter's resumption, as in gevent: the
// putter's Put of the item taken returns nil, and so does the next one
// (the kill is not delivered yet when it checks), and the one after fails
// with the kill: nothing is lost between the hand-off and the kill.
func TestChannelHandOffKeepsKillPending(t *testing.T) {
	for _, getterFirst := range []bool{true, false} {
		var got []int
		var putErrs []error
		gevent.Run(func() {
			c := queue.NewChannel[int]()
			var putter *gevent.Greenlet[struct{}]
			getter := func() {
				for {
					v, err := c.GetTimeout(200 * time.Millisecond)
					if err != nil {
						return
					}
					got = append(got, v)
					if v == 3 {
						putter.Kill(gevent.NoBlock())
					}
				}
			}
			put := func() {
				for i := range 6 {
					err := c.Put(i)
					putErrs = append(putErrs, err)
					if err != nil {
						return
					}
				}
			}
			var g *gevent.Greenlet[struct{}]
			if getterFirst {
				g = gevent.Go(getter)
				putter = gevent.Go(put)
			} else {
				putter = gevent.Go(put)
				g = gevent.Go(getter)
			}
			gevent.JoinAll([]*gevent.Greenlet[struct{}]{g, putter})
		})
		if want := []int{0, 1, 2, 3, 4}; !slices.Equal(got, want) {
			t.Errorf("getter first %v: got %v; want %v", getterFirst, got, want)
		}
		if len(putErrs) != 6 || !errors.Is(putErrs[5], gevent.ErrGreenletExit) || slices.ContainsFunc(putErrs[:5], func(e error) bool { return e != nil }) {
			t.Errorf("getter first %v: Put errors %v; want 5 nil, then ErrGreenletExit", getterFirst, putErrs)
		}
	}
}

// TestNestedWakeOfNesterKeepsOrder: a consumer that runs nested in the
// producer blocked on a full Queue (the direct switch) wakes it by taking
// its item and spawns a greenlet, before or after the wake-up: the
// producer runs before the spawned greenlet exactly when its resumption
// came first, as through the hub's FIFO, although the wake-up skips the
// FIFO when it would be the FIFO's next callback (Waiter.switchFrom).
// (gevent 22.10.2, for the spawn after the wake-up, prints "put 1, got 1,
// put 2, got 2, spawned x, put 3, prod done, got 3, cons done, x": its put
// to a waiting getter switches at once, which this Queue defers, see
// docs/design.md "Hand-off order"; the spawned greenlet runs last there
// too.)
func TestNestedWakeOfNesterKeepsOrder(t *testing.T) {
	for _, tc := range []struct {
		spawnAt int // the consumer spawns after its get number spawnAt (0-based)
		want    string
	}{
		{1, "put 1, put 2, got 1, got 2, spawned x, got 3, cons done, put 3, prod done, x"},
		{0, "put 1, put 2, got 1, spawned x, got 2, got 3, cons done, x, put 3, prod done"},
	} {
		var log []string
		gevent.Run(func() {
			q := queue.New[int](1)
			cons := gevent.Go(func() {
				for i := range 3 {
					v, err := q.Get()
					if err != nil {
						t.Errorf("Get = %v", err)
						return
					}
					log = append(log, "got "+string(rune('0'+v)))
					if i == tc.spawnAt {
						gevent.Go(func() { log = append(log, "x") })
						log = append(log, "spawned x")
					}
				}
				log = append(log, "cons done")
			})
			prod := gevent.Go(func() {
				for i := 1; i <= 3; i++ {
					if err := q.Put(i); err != nil {
						t.Errorf("Put = %v", err)
						return
					}
					log = append(log, "put "+string(rune('0'+i)))
				}
				log = append(log, "prod done")
			})
			gevent.JoinAll([]*gevent.Greenlet[struct{}]{cons, prod})
			gevent.Sleep(0)
		})
		if got := strings.Join(log, ", "); got != tc.want {
			t.Errorf("spawn after get %d: order = %q; want %q", tc.spawnAt, got, tc.want)
		}
	}
}
