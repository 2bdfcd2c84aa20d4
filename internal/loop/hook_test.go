package loop_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/loop"
)

// testHookPrepareCheck: prepare and check hooks run once per iteration,
// prepare before the poll and check after it, and keep the loop alive (as in
// libev they do not make the poll return early).
func testHookPrepareCheck(t *testing.T, l *loop.Loop) {
	var trace []string
	var p, c *loop.Hook
	n := 0
	p = l.NewPrepare(func() { trace = append(trace, "prepare") })
	c = l.NewCheck(func() {
		trace = append(trace, "check")
		if n++; n == 3 {
			p.Stop()
			c.Stop()
		}
	})
	p.Start()
	c.Start()
	if !l.Alive() {
		t.Error("Alive() = false with active hooks")
	}
	for range 3 {
		l.Run(loop.RunNoWait)
	}
	if l.Alive() {
		t.Error("Alive() = true after the hooks stopped")
	}
	want := []string{"prepare", "check", "prepare", "check", "prepare", "check"}
	if !slices.Equal(trace, want) {
		t.Errorf("trace = %v; want %v", trace, want)
	}
}

// testHookIdle: idle hooks run only in iterations with nothing else pending,
// and keep the poll from blocking.
func testHookIdle(t *testing.T, l *loop.Loop) {
	idles := 0
	idle := l.NewIdle(func() { idles++ })
	idle.Start()
	defer idle.Close()
	busy := l.NewTimer(func() {})
	busy.Start(0, time.Nanosecond) // due in every iteration
	for range 5 {
		l.Run(loop.RunNoWait)
	}
	if idles != 0 {
		t.Errorf("idle ran %d times while a timer fired each iteration; want 0", idles)
	}
	busy.Stop()

	long := l.NewTimer(func() { t.Error("1h timer fired") })
	long.Start(time.Hour, 0)
	defer long.Stop()
	start := time.Now()
	for range 3 {
		l.Run(loop.RunOnce) // must not block on the 1h timer
	}
	if idles != 3 {
		t.Errorf("idle ran %d times in 3 idle iterations; want 3", idles)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("3 iterations with an idle hook took %v; want no blocking", d)
	}
}

func testHookStartStop(t *testing.T, l *loop.Loop) {
	n := 0
	h := l.NewPrepare(func() { n++ })
	h.Start()
	h.Start() // no duplicate
	if !h.Active() {
		t.Error("Active() = false after Start")
	}
	l.Run(loop.RunNoWait)
	if n != 1 {
		t.Errorf("hook started twice ran %d times in one iteration; want 1", n)
	}
	h.Stop()
	l.Run(loop.RunNoWait)
	if n != 1 || h.Active() {
		t.Errorf("stopped hook: ran %d, Active %v; want 1, false", n, h.Active())
	}
	h.SetRef(false)
	h.Start()
	if l.Alive() {
		t.Error("Alive() = true with only an unreferenced hook")
	}
	h.Close()
	if err := h.Start(); !errors.Is(err, loop.ErrClosed) {
		t.Errorf("Start after Close = %v; want ErrClosed", err)
	}
}
