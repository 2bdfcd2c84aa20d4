package loop_test

import (
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/loop"
)

// testAsyncCoalesces: many Sends before the loop looks give one callback.
func testAsyncCoalesces(t *testing.T, l *loop.Loop) {
	n := 0
	a := l.NewAsync(func() { n++ })
	a.Start()
	defer a.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 250 {
				if err := a.Send(); err != nil {
					t.Errorf("Send = %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if !a.SendPending() {
		t.Error("SendPending() = false after Send")
	}
	l.Run(loop.RunNoWait)
	if n != 1 {
		t.Errorf("callback ran %d times for 1000 coalesced Sends; want 1", n)
	}
	if a.SendPending() {
		t.Error("SendPending() = true after delivery")
	}
	l.Run(loop.RunNoWait)
	if n != 1 {
		t.Errorf("callback ran again without a Send (n = %d)", n)
	}
	a.Stop()
	a.Send()
	l.Run(loop.RunNoWait)
	if n != 1 {
		t.Errorf("stopped async ran its callback (n = %d)", n)
	}
}

// testAsyncWakesRun: a Send from another goroutine wakes a loop blocked in
// poll; an active Async keeps Run alive.
func testAsyncWakesRun(t *testing.T, l *loop.Loop) {
	var a *loop.Async
	a = l.NewAsync(func() { a.Stop() })
	a.Start()
	go func() {
		time.Sleep(20 * time.Millisecond)
		a.Send()
	}()
	start := time.Now()
	guard := l.NewTimer(func() { t.Error("Send did not wake the loop within 5s"); a.Stop() })
	guard.SetRef(false)
	guard.Start(5*time.Second, 0)
	defer guard.Stop()
	if err := l.Run(loop.RunDefault); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("Run returned after %v, before the Send", d)
	}
}
