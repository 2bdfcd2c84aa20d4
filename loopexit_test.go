package gevent_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
	"github.com/geventgo/gevent/queue"
)

// TestLoopExitLateProducer: a plain goroutine that puts into a queue only
// after 300 ms, with no Share(), still feeds the owner's Get: while that
// goroutine sleeps it may wake the owner, so ErrLoopExit must not come
// (issue 8 §6 (c); the 100 ms quiet period used to report it).
func TestLoopExitLateProducer(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		q := queue.New[int](1)
		go func() {
			time.Sleep(300 * time.Millisecond)
			q.Put(1)
		}()
		if v, err := q.Get(); err != nil || v != 1 {
			t.Errorf("Get = %v, %v; want 1, nil", v, err)
		}
	})
}

// TestLoopExitLateGreenletProducer: the same with the producer a greenlet
// of another hub that sleeps first (gevent.Sleep: its hub has a timer, so it
// may progress).
func TestLoopExitLateGreenletProducer(t *testing.T) {
	ev := new(event.Event)
	done := make(chan error, 1)
	go func() {
		done <- gevent.Run(func() {
			gevent.Sleep(300 * time.Millisecond)
			ev.Set()
		})
	}()
	runHub(t, func(*gevent.Hub) {
		if err := ev.Wait(); err != nil {
			t.Errorf("Wait = %v; want nil", err)
		}
	})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestLoopExitBesideBlockedGoroutine: a goroutine blocked on a channel that
// nobody sends on cannot wake anything, so a wait that nothing else can end
// still fails with ErrLoopExit, within seconds, naming the object waited
// for and Share.
func TestLoopExitBesideBlockedGoroutine(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	var parked atomic.Bool
	go func() {
		parked.Store(true)
		<-block
	}()
	for !parked.Load() {
		time.Sleep(time.Millisecond)
	}
	runHub(t, func(*gevent.Hub) {
		ev := new(event.Event)
		g := gevent.Go(func() { ev.Wait() })
		g.SetName("waiter")
		start := time.Now()
		err := g.Join()
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("ErrLoopExit took %v; want at most 5s", d)
		}
		if !errors.Is(err, gevent.ErrLoopExit) {
			t.Fatalf("Join = %v; want ErrLoopExit", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, `"waiter"`) || !strings.Contains(msg, "Share") {
			t.Errorf("message %q does not name the greenlet and Share", msg)
		}
		if strings.Contains(msg, "100ms") {
			t.Errorf("message %q still speaks of a quiet period", msg)
		}
		g.Kill()
	})
}

// TestLoopExitWaitsForSleeper: while another goroutine sleeps it may still
// wake the owner (the check cannot know it will not), so ErrLoopExit waits
// until that goroutine has stopped sleeping; once it blocks for good, the
// error comes.
func TestLoopExitWaitsForSleeper(t *testing.T) {
	const nap = 1500 * time.Millisecond
	block := make(chan struct{})
	defer close(block)
	var woke atomic.Bool
	go func() {
		time.Sleep(nap)
		woke.Store(true)
		<-block
	}()
	runHub(t, func(*gevent.Hub) {
		start := time.Now()
		err := new(event.Event).Wait()
		d := time.Since(start)
		if !errors.Is(err, gevent.ErrLoopExit) {
			t.Fatalf("Wait = %v; want ErrLoopExit", err)
		}
		if !woke.Load() {
			t.Errorf("ErrLoopExit after %v, while the other goroutine still slept", d)
		}
		if d > nap+3*time.Second {
			t.Errorf("ErrLoopExit after %v; want it within a few seconds of the sleeper blocking", d)
		}
	})
}
