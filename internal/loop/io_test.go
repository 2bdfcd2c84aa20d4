package loop_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/loop"
	"golang.org/x/sys/unix"
)

func testIORead(t *testing.T, l *loop.Loop) {
	rfd, wfd := pipe(t)
	var revents loop.Interest
	calls, read := 0, 0
	var w *loop.IO
	w, err := l.NewIO(rfd, loop.Read, func(rev loop.Interest) {
		calls++
		revents |= rev
		read += drain(rfd)
		w.Stop()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.FD() != rfd || w.Events() != loop.Read {
		t.Errorf("FD, Events = %d, %v; want %d, read", w.FD(), w.Events(), rfd)
	}
	w.Start()
	if !w.Active() {
		t.Error("Active() = false after Start")
	}
	l.Run(loop.RunNoWait)
	l.Run(loop.RunNoWait)
	if calls != 0 {
		t.Fatalf("read watcher fired %d times on an empty pipe", calls)
	}
	unix.Write(wfd, []byte("hello"))
	l.Run(loop.RunDefault) // the active watcher keeps it running until it stops itself
	if calls != 1 || revents&loop.Read == 0 || read != 5 {
		t.Errorf("calls %d, revents %v, read %d; want 1, read, 5", calls, revents, read)
	}
	// A stopped watcher does not fire.
	unix.Write(wfd, []byte("x"))
	l.Run(loop.RunNoWait)
	l.Run(loop.RunNoWait)
	if calls != 1 {
		t.Errorf("stopped watcher fired (calls = %d)", calls)
	}
}

func testIOWrite(t *testing.T, l *loop.Loop) {
	_, wfd := pipe(t)
	var revents loop.Interest
	var w *loop.IO
	w, _ = l.NewIO(wfd, loop.Write, func(rev loop.Interest) { revents = rev; w.Stop() })
	defer w.Close()
	w.Start()
	runUntil(t, l, func() bool { return revents != 0 })
	if revents&loop.Write == 0 || revents&loop.Read != 0 {
		t.Errorf("revents = %v; want write", revents)
	}
}

// testIOTwoWatchers: watchers of one descriptor each get their direction,
// and stopping a pending watcher cancels its call.
func testIOTwoWatchers(t *testing.T, l *loop.Loop) {
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sp[0])
	defer unix.Close(sp[1])
	unix.SetNonblock(sp[0], true)
	var reads, writes, others int
	var r, w, other *loop.IO
	r, _ = l.NewIO(sp[0], loop.Read, func(rev loop.Interest) {
		reads++
		drain(sp[0])
		if other.Pending() {
			other.Stop()
		}
	})
	w, _ = l.NewIO(sp[0], loop.Write, func(rev loop.Interest) { writes++; w.Stop() })
	other, _ = l.NewIO(sp[0], loop.Read, func(loop.Interest) { others++ })
	defer r.Close()
	defer w.Close()
	defer other.Close()
	r.Start()
	w.Start()
	runUntil(t, l, func() bool { return writes > 0 })
	if reads != 0 || writes != 1 {
		t.Fatalf("reads, writes = %d, %d before any data; want 0, 1", reads, writes)
	}
	other.Start()
	unix.Write(sp[1], []byte("x"))
	runUntil(t, l, func() bool { return reads > 0 })
	if reads != 1 || writes != 1 || others != 0 {
		t.Errorf("reads, writes, others = %d, %d, %d; want 1, 1, 0 (other stopped while pending)", reads, writes, others)
	}
	r.Stop()
	other.Start()
	unix.Write(sp[1], []byte("y"))
	runUntil(t, l, func() bool { return others > 0 })
	if reads != 1 {
		t.Errorf("stopped watcher fired (reads = %d)", reads)
	}
}

// testIOReadyWhileStopped: readiness that arrives while the descriptor's
// watchers are stopped is delivered when one starts again.
func testIOReadyWhileStopped(t *testing.T, l *loop.Loop) {
	rfd, wfd := pipe(t)
	calls := 0
	w, _ := l.NewIO(rfd, loop.Read, func(loop.Interest) { calls++; drain(rfd) })
	defer w.Close()
	w.Start()
	l.Run(loop.RunNoWait) // registers rfd
	w.Stop()
	unix.Write(wfd, []byte("x"))
	l.Run(loop.RunNoWait)
	l.Run(loop.RunNoWait)
	if calls != 0 {
		t.Fatalf("stopped watcher fired")
	}
	w.Start()
	runUntil(t, l, func() bool { return calls > 0 })
}

func testIOHangup(t *testing.T, l *loop.Loop) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	rfd := p[0]
	defer unix.Close(rfd)
	unix.SetNonblock(rfd, true)
	unix.Close(p[1])
	var revents loop.Interest
	var w *loop.IO
	w, _ = l.NewIO(rfd, loop.Read, func(rev loop.Interest) { revents = rev; w.Stop() })
	defer w.Close()
	w.Start()
	runUntil(t, l, func() bool { return revents != 0 })
	if revents&(loop.Read|loop.Hangup) == 0 {
		t.Errorf("revents on a widowed pipe = %v; want read or hangup", revents)
	}
	var buf [1]byte
	if n, err := unix.Read(rfd, buf[:]); n != 0 || err != nil {
		t.Errorf("Read = %d, %v; want 0, nil (EOF)", n, err)
	}
}

func testIOBadArgs(t *testing.T, l *loop.Loop) {
	if _, err := l.NewIO(-1, loop.Read, nil); !errors.Is(err, loop.ErrBadFD) {
		t.Errorf("NewIO(-1) = %v; want ErrBadFD", err)
	}
	for _, ev := range []loop.Interest{0, loop.Error, loop.Read | loop.Hangup} {
		if _, err := l.NewIO(0, ev, nil); err == nil {
			t.Errorf("NewIO(0, %v) = nil error; want an error", ev)
		}
	}
	if err := l.ForgetFD(-1); err != nil {
		t.Errorf("ForgetFD(-1) = %v; want nil", err)
	}
}

// testIOFDReuse: readiness remembered for a closed watcher's descriptor is
// not delivered to the next user of the same number.
func testIOFDReuse(t *testing.T, l *loop.Loop) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	old := 0
	a, _ := l.NewIO(p[0], loop.Read, func(loop.Interest) { old++ })
	a.Start()
	l.Run(loop.RunNoWait) // registers the fd
	a.Stop()
	unix.Write(p[1], []byte("stale"))
	l.Run(loop.RunNoWait)
	l.Run(loop.RunNoWait)
	if err := a.Close(); err != nil {
		t.Fatalf("IO.Close = %v", err)
	}
	unix.Close(p[0])
	unix.Close(p[1])

	rfd, wfd := pipe(t)
	if rfd != p[0] {
		t.Logf("fd number not reused (%d, was %d); the test still checks delivery", rfd, p[0])
	}
	calls := 0
	b, _ := l.NewIO(rfd, loop.Read, func(loop.Interest) { calls++; drain(rfd) })
	defer b.Close()
	b.Start()
	for range 3 {
		l.Run(loop.RunNoWait)
	}
	if calls != 0 || old != 0 {
		t.Fatalf("watcher of the reused fd fired %d times (old %d) with no data", calls, old)
	}
	unix.Write(wfd, []byte("x"))
	runUntil(t, l, func() bool { return calls > 0 })
}

// testEdgeTriggered: epoll and kqueue report readiness once per change, poll
// for as long as it lasts.
func testEdgeTriggered(t *testing.T, l *loop.Loop) {
	want := l.Backend() != "poll"
	if got := l.EdgeTriggered(); got != want {
		t.Errorf("%s: EdgeTriggered() = %v; want %v", l.Backend(), got, want)
	}
}

// testNowAfterPoll: with no timer pending the loop reads the clock lazily
// after a poll, yet a callback that runs after a blocking poll sees the time
// after it, not the time before.
func testNowAfterPoll(t *testing.T, l *loop.Loop) {
	rfd, wfd := pipe(t)
	before := l.Now()
	var seen time.Time
	var w *loop.IO
	w, err := l.NewIO(rfd, loop.Read, func(loop.Interest) {
		seen = l.Now()
		drain(rfd)
		w.Stop()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Start()
	go func() {
		time.Sleep(30 * time.Millisecond)
		unix.Write(wfd, []byte("x"))
	}()
	if err := l.Run(loop.RunOnce); err != nil {
		t.Fatal(err)
	}
	if seen.IsZero() {
		t.Fatal("the IO callback did not run in one blocking iteration")
	}
	if d := seen.Sub(before); d < 25*time.Millisecond {
		t.Errorf("Now() in the callback is %v after Now() before the poll; want >= 25ms (the poll blocked ~30ms)", d)
	}
}

// testIOCallOrder: an IO callback keeps idle hooks from running in its
// iteration, and after a Break in an IO callback the other ready watchers,
// then the expired timers, run in the next Run.
func testIOCallOrder(t *testing.T, l *loop.Loop) {
	var order []string
	newIO := func(name string, brk bool) (w *loop.IO, wfd int) {
		rfd, wfd := pipe(t)
		w, err := l.NewIO(rfd, loop.Read, func(loop.Interest) {
			order = append(order, name)
			drain(rfd)
			if brk {
				l.Break()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		w.Start()
		return w, wfd
	}
	run := func() {
		t.Helper()
		if err := l.Run(loop.RunOnce); err != nil {
			t.Fatal(err)
		}
	}
	io1, w1 := newIO("io1", true)
	io2, w2 := newIO("io2", true)
	idle := l.NewIdle(func() { order = append(order, "idle") })
	defer idle.Close()
	idle.Start()

	unix.Write(w1, []byte("x"))
	run()
	if got := strings.Join(order, ","); got != "io1" {
		t.Errorf("an iteration with an IO callback ran %s; want io1 alone (no idle hook)", got)
	}
	run()
	if got := strings.Join(order, ","); got != "io1,idle" {
		t.Errorf("then an empty iteration ran %s; want io1,idle", got)
	}
	idle.Stop()

	// Both pipes readable and the timer expired before one poll; each IO
	// callback breaks the loop. (runUntil's guard timer expires later.)
	order = nil
	timer := l.NewTimer(func() { order = append(order, "timer") })
	defer timer.Close()
	unix.Write(w1, []byte("x"))
	unix.Write(w2, []byte("x"))
	l.UpdateNow()
	timer.Start(0, 0)
	time.Sleep(time.Millisecond)
	runUntil(t, l, func() bool { return len(order) >= 3 })
	// Which pipe comes first is up to the poller; the timer comes last.
	if got := strings.Join(order, ","); got != "io1,io2,timer" && got != "io2,io1,timer" {
		t.Errorf("order = %s; want both IO callbacks, then the timer", got)
	}
	io1.Stop()
	io2.Stop()
}
