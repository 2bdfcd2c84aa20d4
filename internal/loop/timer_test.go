package loop_test

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/loop"
)

func testTimerOneShot(t *testing.T, l *loop.Loop) {
	n := 0
	var tm *loop.Timer
	tm = l.NewTimer(func() {
		n++
		if tm.Active() {
			t.Error("one-shot timer Active() = true in its callback; want false")
		}
	})
	if tm.Active() || tm.Pending() || !tm.Ref() {
		t.Errorf("new timer: Active, Pending, Ref = %v, %v, %v; want false, false, true", tm.Active(), tm.Pending(), tm.Ref())
	}
	tm.Start(time.Hour, 0)
	if r := tm.Remaining(); r <= 59*time.Minute || r > time.Hour {
		t.Errorf("Remaining() = %v; want about 1h", r)
	}
	tm.Start(time.Millisecond, 0)
	if !tm.Active() {
		t.Error("Active() = false after Start")
	}
	l.Run(loop.RunDefault)
	if n != 1 {
		t.Errorf("one-shot timer fired %d times; want 1", n)
	}
	if tm.Active() || tm.Remaining() != 0 {
		t.Errorf("after firing: Active %v, Remaining %v; want false, 0", tm.Active(), tm.Remaining())
	}
}

func testTimerRepeat(t *testing.T, l *loop.Loop) {
	var at []time.Duration
	start := time.Now()
	var tm *loop.Timer
	tm = l.NewTimer(func() {
		at = append(at, time.Since(start))
		if !tm.Active() {
			t.Error("repeating timer Active() = false in its callback; want true")
		}
		if len(at) == 3 {
			tm.Stop()
		}
	})
	l.UpdateNow()
	tm.Start(time.Millisecond, 2*time.Millisecond)
	l.Run(loop.RunDefault)
	if len(at) != 3 {
		t.Fatalf("repeating timer fired %d times; want 3", len(at))
	}
	// Deadlines are 1, 3 and 5 ms after the start.
	for i, want := range []time.Duration{time.Millisecond, 3 * time.Millisecond, 5 * time.Millisecond} {
		if at[i] < want {
			t.Errorf("firing %d at %v; want >= %v", i, at[i], want)
		}
	}
	if tm.Active() {
		t.Error("Active() = true after Stop")
	}

	// Again restarts a repeating timer and stops a one-shot one.
	n := 0
	r := l.NewTimer(func() { n++ })
	r.Start(time.Hour, time.Millisecond)
	r.Again()
	if rem := r.Remaining(); rem > time.Millisecond {
		t.Errorf("Remaining after Again = %v; want <= the 1ms repeat", rem)
	}
	r.Stop()
	o := l.NewTimer(func() { n++ })
	o.Start(time.Hour, 0)
	o.Again()
	if o.Active() {
		t.Error("Again on a one-shot timer left it active; want stopped")
	}
	l.Run(loop.RunDefault)
	if n != 0 {
		t.Errorf("stopped timers fired %d times", n)
	}
}

// testTimerOrder: timers fire by deadline, and those due at the same instant
// in start order.
func testTimerOrder(t *testing.T, l *loop.Loop) {
	var got []string
	add := func(name string, d time.Duration) {
		l.NewTimer(func() { got = append(got, name) }).Start(d, 0)
	}
	add("c3", 3*time.Millisecond)
	add("a1", time.Millisecond)
	add("b2", 2*time.Millisecond)
	add("x0", 0)
	add("y0", 0)
	add("z0", 0)
	l.Run(loop.RunDefault)
	if want := []string{"x0", "y0", "z0", "a1", "b2", "c3"}; !slices.Equal(got, want) {
		t.Errorf("firing order = %v; want %v", got, want)
	}
}

// testTimerHeapRandom exercises the 4-ary heap: many timers with colliding
// deadlines, a third stopped and a third restarted, must fire in (deadline,
// last start) order.
func testTimerHeapRandom(t *testing.T, l *loop.Loop) {
	const n = 300
	rng := rand.New(rand.NewPCG(1, 2))
	type entry struct {
		id    int
		delay time.Duration
		seq   int
		live  bool
	}
	entries := make([]entry, n)
	timers := make([]*loop.Timer, n)
	var got []int
	seq := 0
	for i := range n {
		timers[i] = l.NewTimer(func() { got = append(got, i) })
		d := time.Duration(rng.IntN(20)) * time.Millisecond
		timers[i].Start(d, 0)
		seq++
		entries[i] = entry{i, d, seq, true}
	}
	for i := range n {
		switch rng.IntN(3) {
		case 0:
			timers[i].Stop()
			entries[i].live = false
		case 1:
			d := time.Duration(rng.IntN(20)) * time.Millisecond
			timers[i].Start(d, 0)
			seq++
			entries[i].delay, entries[i].seq = d, seq
		}
	}
	var want []int
	live := slices.DeleteFunc(slices.Clone(entries), func(e entry) bool { return !e.live })
	slices.SortFunc(live, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.delay, b.delay), cmp.Compare(a.seq, b.seq))
	})
	for _, e := range live {
		want = append(want, e.id)
	}
	l.Run(loop.RunDefault)
	if !slices.Equal(got, want) {
		t.Errorf("firing order of %d timers differs from (deadline, start) order:\n got %v\nwant %v", len(want), got, want)
	}
}

func testTimerRestart(t *testing.T, l *loop.Loop) {
	n := 0
	tm := l.NewTimer(func() { n++ })
	tm.Start(time.Hour, 0)
	tm.Start(time.Millisecond, 0) // restarting an active timer moves it
	start := time.Now()
	l.Run(loop.RunDefault)
	if n != 1 {
		t.Errorf("restarted timer fired %d times; want 1", n)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("restarted timer fired after %v; want about 1ms", d)
	}
	// A timer can be started again after firing, and not after Close.
	tm.Start(0, 0)
	l.Run(loop.RunDefault)
	if n != 2 {
		t.Errorf("timer started again fired %d times in total; want 2", n)
	}
	tm.Close()
	if err := tm.Start(0, 0); !errors.Is(err, loop.ErrClosed) {
		t.Errorf("Start after Close = %v; want ErrClosed", err)
	}
}

// testTimerZeroInCallback: a zero-delay timer started by a callback fires in
// a later iteration, never inside the current one.
func testTimerZeroInCallback(t *testing.T, l *loop.Loop) {
	var startIter, fireIter uint64
	tm := l.NewTimer(func() { fireIter = l.Iteration() })
	l.RunCallback(func() {
		startIter = l.Iteration()
		tm.Start(-time.Second, 0) // negative counts as zero
	})
	l.Run(loop.RunDefault)
	if fireIter == 0 {
		t.Fatal("zero-delay timer never fired")
	}
	if fireIter != startIter && fireIter != startIter+1 {
		t.Errorf("started in iteration %d, fired in %d; want the same or the next iteration", startIter, fireIter)
	}
	// Started by a timer callback (after this iteration's timers were
	// collected), it fires in the next iteration.
	var first, second uint64
	next := l.NewTimer(func() { second = l.Iteration() })
	l.NewTimer(func() { first = l.Iteration(); next.Start(0, 0) }).Start(0, 0)
	l.Run(loop.RunDefault)
	if second != first+1 {
		t.Errorf("timer started in iteration %d's timer phase fired in %d; want %d", first, second, first+1)
	}
}

// testTimerNotEarly: a timer never fires before its delay has passed, and
// fires within a loose bound after.
func testTimerNotEarly(t *testing.T, l *loop.Loop) {
	for _, d := range []time.Duration{300 * time.Microsecond, 15 * time.Millisecond} {
		var fired time.Duration
		start := time.Now()
		l.UpdateNow()
		l.NewTimer(func() { fired = time.Since(start) }).Start(d, 0)
		l.Run(loop.RunDefault)
		if fired < d || fired > d+10*time.Second {
			t.Errorf("%v timer fired after %v; want in [%v, %v]", d, fired, d, d+10*time.Second)
		}
	}
}
