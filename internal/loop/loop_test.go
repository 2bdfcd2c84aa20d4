package loop_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/loop"
	"github.com/geventgo/gevent/internal/poller"
	"golang.org/x/sys/unix"
)

// conformance is the loop's contract as a table. TestConformance runs every
// case against a fresh Loop of every backend the host provides.
var conformance = []struct {
	name string
	run  func(t *testing.T, l *loop.Loop)
}{
	// callback_test.go
	{"CallbacksFIFO", testCallbacksFIFO},
	{"CallbackStop", testCallbackStop},
	{"CallbacksThreadsafe", testCallbacksThreadsafe},
	// loop_test.go
	{"RefCounting", testRefCounting},
	{"Break", testBreak},
	{"NowCached", testNowCached},
	{"Phases", testPhases},
	{"PendingState", testPendingState},
	{"RunModes", testRunModes},
	{"Misuse", testMisuse},
	// async_test.go, signal_test.go, child_test.go
	{"AsyncCoalesces", testAsyncCoalesces},
	{"AsyncWakesRun", testAsyncWakesRun},
	{"Signal", testSignal},
	{"Child", testChild},
	// timer_test.go
	{"TimerOneShot", testTimerOneShot},
	{"TimerRepeat", testTimerRepeat},
	{"TimerOrder", testTimerOrder},
	{"TimerHeapRandom", testTimerHeapRandom},
	{"TimerRestart", testTimerRestart},
	{"TimerZeroInCallback", testTimerZeroInCallback},
	{"TimerNotEarly", testTimerNotEarly},
	// io_test.go
	{"IORead", testIORead},
	{"IOWrite", testIOWrite},
	{"IOTwoWatchers", testIOTwoWatchers},
	{"IOReadyWhileStopped", testIOReadyWhileStopped},
	{"IOHangup", testIOHangup},
	{"IOBadArgs", testIOBadArgs},
	{"IOFDReuse", testIOFDReuse},
	{"EdgeTriggered", testEdgeTriggered},
	{"NowAfterPoll", testNowAfterPoll},
	{"IOCallOrder", testIOCallOrder},
	// hook_test.go
	{"HookPrepareCheck", testHookPrepareCheck},
	{"HookIdle", testHookIdle},
	{"HookStartStop", testHookStartStop},
}

func TestConformance(t *testing.T) {
	backends := poller.Available()
	if len(backends) == 0 {
		t.Fatal("poller.Available() is empty")
	}
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) {
					l := newLoop(t, b)
					c.run(t, l)
				})
			}
		})
	}
}

// newLoop returns a Loop on backend b, closed when the test ends.
func newLoop(t *testing.T, b string) *loop.Loop {
	t.Helper()
	l, err := loop.New(loop.Options{Backend: b})
	if err != nil {
		t.Fatalf("New(%q) = %v", b, err)
	}
	if got := l.Backend(); got != b {
		t.Errorf("Backend() = %q; want %q", got, b)
	}
	t.Cleanup(func() {
		if !l.Closed() {
			l.Close()
		}
	})
	return l
}

// runUntil runs l one iteration at a time until cond holds, failing the test
// after 5 s. A guard timer bounds each iteration.
func runUntil(t *testing.T, l *loop.Loop, cond func() bool) {
	t.Helper()
	guard := l.NewTimer(func() {})
	guard.SetRef(false)
	defer guard.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		l.UpdateNow()
		guard.Start(100*time.Millisecond, 0)
		if err := l.Run(loop.RunOnce); err != nil {
			t.Fatalf("Run(RunOnce) = %v", err)
		}
	}
}

func TestNewUnknownBackend(t *testing.T) {
	_, err := loop.New(loop.Options{Backend: "no-such-backend"})
	if !errors.Is(err, poller.ErrUnknownBackend) {
		t.Fatalf("New(no-such-backend) = %v; want ErrUnknownBackend", err)
	}
}

func TestBackendEnv(t *testing.T) {
	t.Setenv(loop.BackendEnv, poller.Poll)
	l, err := loop.New(loop.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := l.Backend(); got != poller.Poll {
		t.Errorf("Backend() with %s=poll = %q; want poll", loop.BackendEnv, got)
	}
}

// testRefCounting: Run(RunDefault) returns when no referenced active watcher
// and no callback is left; unreferenced watchers do not count.
func testRefCounting(t *testing.T, l *loop.Loop) {
	if l.Alive() {
		t.Error("Alive() = true on a new loop")
	}
	start := time.Now()
	if err := l.Run(loop.RunDefault); err != nil {
		t.Fatalf("Run on an empty loop = %v", err)
	}

	fired := false
	tm := l.NewTimer(func() { fired = true })
	tm.SetRef(false)
	tm.Start(time.Hour, 0)
	if !tm.Active() || tm.Ref() {
		t.Errorf("Active, Ref = %v, %v; want true, false", tm.Active(), tm.Ref())
	}
	if l.Alive() {
		t.Error("Alive() = true with only an unreferenced timer")
	}
	l.Run(loop.RunDefault)
	if fired {
		t.Error("unreferenced 1h timer fired")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run with nothing referenced took %v; want an immediate return", d)
	}
	tm.SetRef(true)
	if !l.Alive() {
		t.Error("Alive() = false after SetRef(true) on an active timer")
	}
	tm.Stop()
	if l.Alive() {
		t.Error("Alive() = true after the referenced timer stopped")
	}

	l.Ref()
	if !l.Alive() {
		t.Error("Alive() = false after Ref")
	}
	l.Unref()
	if l.Alive() {
		t.Error("Alive() = true after Unref")
	}

	// A referenced timer keeps Run going until it fires.
	n := 0
	a := l.NewTimer(func() { n++ })
	a.Start(time.Millisecond, 0)
	l.Run(loop.RunDefault)
	if n != 1 || a.Active() {
		t.Errorf("after Run: fired %d times, Active %v; want 1, false", n, a.Active())
	}
}

func testBreak(t *testing.T, l *loop.Loop) {
	n := 0
	tm := l.NewTimer(func() {
		if n++; n == 3 {
			l.Break()
		}
	})
	tm.Start(time.Millisecond, time.Millisecond)
	defer tm.Stop()
	if err := l.Run(loop.RunDefault); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n != 3 || !tm.Active() {
		t.Errorf("after Break: fired %d, Active %v; want 3, true", n, tm.Active())
	}
	// Break stops after the running callback; the rest stay queued.
	var got []int
	l.RunCallback(func() { got = append(got, 1); l.Break() })
	l.RunCallback(func() { got = append(got, 2) })
	tm.Stop()
	l.Run(loop.RunDefault)
	if !slices.Equal(got, []int{1}) {
		t.Errorf("first Run ran %v; want [1]", got)
	}
	l.Run(loop.RunDefault)
	if !slices.Equal(got, []int{1, 2}) {
		t.Errorf("second Run ran %v; want [1 2]", got)
	}
}

// testNowCached: Now is fixed within an iteration and moves with UpdateNow
// and with each new iteration.
func testNowCached(t *testing.T, l *loop.Loop) {
	var before, during, updated time.Time
	l.RunCallback(func() {
		before = l.Now()
		time.Sleep(3 * time.Millisecond)
		during = l.Now()
		l.UpdateNow()
		updated = l.Now()
	})
	l.Run(loop.RunDefault)
	if !during.Equal(before) {
		t.Errorf("Now moved within an iteration by %v; want cached", during.Sub(before))
	}
	var now time.Time
	var nano int64
	l.RunCallback(func() { now, nano = l.Now(), l.NowUnixNano() })
	l.Run(loop.RunDefault)
	if nano != now.UnixNano() {
		t.Errorf("NowUnixNano = %d; want Now().UnixNano() = %d", nano, now.UnixNano())
	}
	if d := updated.Sub(before); d < 3*time.Millisecond {
		t.Errorf("UpdateNow advanced Now by %v; want >= 3ms", d)
	}
	time.Sleep(2 * time.Millisecond)
	var next time.Time
	l.RunCallback(func() { next = l.Now() })
	l.Run(loop.RunNoWait)
	if !next.After(updated) {
		t.Errorf("Now in a later iteration = %v, not after %v", next, updated)
	}
}

// testPhases: one iteration runs callbacks, prepare, poll (I/O), timers,
// idle only when nothing is pending, check, in that order.
func testPhases(t *testing.T, l *loop.Loop) {
	var trace []string
	rec := func(s string) func() { return func() { trace = append(trace, s) } }
	p := l.NewPrepare(func() {
		trace = append(trace, "prepare")
		if got := l.Iteration(); got == 0 {
			t.Error("Iteration() = 0 inside Run")
		}
	})
	c := l.NewCheck(rec("check"))
	i := l.NewIdle(rec("idle"))
	for _, h := range []*loop.Hook{p, c, i} {
		h.Start()
		defer h.Close()
	}
	rfd, wfd := pipe(t)
	io, _ := l.NewIO(rfd, loop.Read, func(loop.Interest) { trace = append(trace, "io"); drain(rfd) })
	io.Start()
	defer io.Close()
	tm := l.NewTimer(rec("timer"))
	tm.Start(0, 0)
	l.RunCallback(rec("callback"))
	unix.Write(wfd, []byte("x"))

	// The I/O registration happens in this iteration's poll, so the first
	// iteration may or may not see the byte; run until it has.
	runUntil(t, l, func() bool { return slices.Contains(trace, "io") && slices.Contains(trace, "timer") })
	first := trace[:slices.Index(trace, "check")+1]
	if want := []string{"callback", "prepare"}; !slices.Equal(first[:2], want) {
		t.Errorf("iteration starts %v; want %v", first, want)
	}
	if slices.Contains(first, "idle") {
		t.Errorf("idle ran in an iteration with pending watchers: %v", first)
	}
	// io precedes timer precedes check whenever they share an iteration.
	for it := 0; it < len(trace); {
		end := it + slices.Index(trace[it:], "check") + 1
		iter := trace[it:end]
		order := map[string]int{"callback": 0, "prepare": 1, "io": 2, "timer": 3, "idle": 4, "check": 5}
		for k := 1; k < len(iter); k++ {
			if order[iter[k-1]] >= order[iter[k]] {
				t.Errorf("iteration %v is out of phase order", iter)
				break
			}
		}
		it = end
	}

	// With nothing else to do, an iteration is prepare, idle, check.
	trace = nil
	l.Run(loop.RunNoWait)
	if want := []string{"prepare", "idle", "check"}; !slices.Equal(trace, want) {
		t.Errorf("idle iteration = %v; want %v", trace, want)
	}
}

// testPendingState: a watcher whose event happened is pending until its
// callback runs; stopping it then cancels the call.
func testPendingState(t *testing.T, l *loop.Loop) {
	var a, b *loop.Timer
	ranB := false
	a = l.NewTimer(func() {
		if !b.Pending() || !b.Active() {
			t.Errorf("b: Pending, Active = %v, %v in a's callback; want true, true", b.Pending(), b.Active())
		}
		if a.Pending() {
			t.Error("a.Pending() = true inside its own callback")
		}
		b.Stop()
		if b.Pending() || b.Active() {
			t.Errorf("b: Pending, Active = %v, %v after Stop; want false, false", b.Pending(), b.Active())
		}
	})
	b = l.NewTimer(func() { ranB = true })
	a.Start(0, 0)
	b.Start(0, 0)
	if a.Pending() {
		t.Error("Pending() = true right after Start")
	}
	l.Run(loop.RunDefault)
	if ranB {
		t.Error("b ran after being stopped while pending")
	}
}

// testRunModes: RunNoWait never blocks; RunOnce waits for one event.
func testRunModes(t *testing.T, l *loop.Loop) {
	tm := l.NewTimer(func() {})
	tm.Start(time.Hour, 0)
	start := time.Now()
	if err := l.Run(loop.RunNoWait); err != nil {
		t.Fatalf("Run(RunNoWait) = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run(RunNoWait) with a 1h timer took %v", d)
	}
	tm.Stop()
	fired := false
	tm2 := l.NewTimer(func() { fired = true })
	l.UpdateNow()
	tm2.Start(5*time.Millisecond, 0)
	for !fired {
		if err := l.Run(loop.RunOnce); err != nil {
			t.Fatalf("Run(RunOnce) = %v", err)
		}
	}
	if d := time.Since(start); d < 5*time.Millisecond {
		t.Errorf("5ms timer fired after %v", d)
	}
}

func testMisuse(t *testing.T, l *loop.Loop) {
	var inner error
	l.RunCallback(func() { inner = l.Run(loop.RunNoWait) })
	var closeErr error
	l.RunCallback(func() { closeErr = l.Close() })
	l.Run(loop.RunDefault)
	if !errors.Is(inner, loop.ErrRunning) {
		t.Errorf("Run inside Run = %v; want ErrRunning", inner)
	}
	if !errors.Is(closeErr, loop.ErrRunning) {
		t.Errorf("Close inside Run = %v; want ErrRunning", closeErr)
	}
	tm := l.NewTimer(func() {})
	h := l.NewPrepare(func() {})
	a := l.NewAsync(func() {})
	if err := l.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if !l.Closed() {
		t.Error("Closed() = false after Close")
	}
	for name, err := range map[string]error{
		"Close":                 l.Close(),
		"Run":                   l.Run(loop.RunDefault),
		"Timer.Start":           tm.Start(time.Second, 0),
		"Hook.Start":            h.Start(),
		"Async.Start":           a.Start(),
		"Async.Send":            a.Send(),
		"RunCallbackThreadsafe": l.RunCallbackThreadsafe(func() {}),
	} {
		if !errors.Is(err, loop.ErrClosed) {
			t.Errorf("%s on a closed loop = %v; want ErrClosed", name, err)
		}
	}
}

// pipe returns a non-blocking pipe closed when the test ends.
func pipe(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	for _, fd := range p {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

// drain reads fd until EAGAIN and returns the bytes read.
func drain(fd int) int {
	var buf [512]byte
	total := 0
	for {
		n, err := unix.Read(fd, buf[:])
		if n <= 0 || err != nil {
			return total
		}
		total += n
	}
}
