package loop_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/loop"
)

// testCallbacksFIFO: callbacks run in queue order, and callbacks queued by a
// running callback run in the same Run after the ones already queued.
func testCallbacksFIFO(t *testing.T, l *loop.Loop) {
	var got []int
	for i := range 3 {
		l.RunCallback(func() {
			got = append(got, i)
			if i == 0 {
				l.RunCallback(func() { got = append(got, 10) })
			}
		})
	}
	l.Post(func(arg any) { got = append(got, arg.(int)) }, 3)
	if !l.Alive() {
		t.Error("Alive() = false with queued callbacks; want true")
	}
	if err := l.Run(loop.RunDefault); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if want := []int{0, 1, 2, 3, 10}; !slices.Equal(got, want) {
		t.Errorf("order = %v; want %v", got, want)
	}
	if l.Alive() {
		t.Error("Alive() = true after the queue drained; want false")
	}
}

func testCallbackStop(t *testing.T, l *loop.Loop) {
	ran := 0
	c := l.RunCallback(func() { ran++ })
	c2 := l.RunCallback(func() { ran += 10 })
	if !c.Pending() {
		t.Error("Pending() = false for a queued callback; want true")
	}
	c.Stop()
	if c.Pending() {
		t.Error("Pending() = true after Stop; want false")
	}
	l.Run(loop.RunDefault)
	if ran != 10 {
		t.Errorf("ran = %d; want 10 (the stopped callback must not run)", ran)
	}
	if c2.Pending() {
		t.Error("Pending() = true after the callback ran; want false")
	}
}

// testCallbacksThreadsafe: callbacks queued from other goroutines wake a
// blocked loop and keep each goroutine's order.
func testCallbacksThreadsafe(t *testing.T, l *loop.Loop) {
	const senders, each = 4, 100
	got := make([][]int, senders)
	done := 0
	l.Ref() // keep Run blocked in poll until the last callback
	var wg sync.WaitGroup
	start := make(chan struct{})
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range each {
				err := l.RunCallbackThreadsafe(func() {
					got[s] = append(got[s], i)
					if done++; done == senders*each {
						l.Unref()
					}
				})
				if err != nil {
					t.Errorf("RunCallbackThreadsafe = %v", err)
				}
			}
		}()
	}
	guard := l.NewTimer(func() { t.Error("threadsafe callbacks did not arrive within 5s"); l.Break() })
	guard.SetRef(false)
	guard.Start(5*time.Second, 0)
	close(start)
	if err := l.Run(loop.RunDefault); err != nil {
		t.Fatalf("Run = %v", err)
	}
	wg.Wait()
	for s := range senders {
		if len(got[s]) != each || !slices.IsSorted(got[s]) {
			t.Errorf("sender %d: got %d callbacks in order %v; want %d in order", s, len(got[s]), slices.IsSorted(got[s]), each)
		}
	}
}
