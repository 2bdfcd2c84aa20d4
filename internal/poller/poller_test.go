//go:build unix

package poller

import (
	"errors"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testBackend is one backend the conformance table runs against.
type testBackend struct {
	name string
	open func() (Poller, error)
}

// extraTestBackends holds variants that Available does not list, such as epoll
// without epoll_pwait2 (epoll_linux_test.go).
var extraTestBackends []testBackend

// testBackends returns every backend of this host plus the extra variants.
func testBackends() []testBackend {
	var bs []testBackend
	for _, name := range Available() {
		bs = append(bs, testBackend{name, func() (Poller, error) { return Open(name) }})
	}
	return append(bs, extraTestBackends...)
}

// conformance is the contract of poller.go as a table. Every case gets a fresh
// Poller of the backend under test.
var conformance = []struct {
	name string
	run  func(t *testing.T, p Poller)
}{
	{"WaitZeroEmpty", testWaitZeroEmpty},
	{"SocketReadable", func(t *testing.T, p Poller) { testReadable(t, p, newSocketpair(t)) }},
	{"PipeReadable", func(t *testing.T, p Poller) { testReadable(t, p, newPipe(t)) }},
	{"SocketWritable", testWritable},
	{"EdgeOrLevel", testEdgeOrLevel},
	{"ModifyGen", testModifyGen},
	{"WantZero", testWantZero},
	{"Delete", testDelete},
	{"PeerClose", testPeerClose},
	{"ShortBuffer", testShortBuffer},
	{"Misuse", testMisuse},
	{"WakeInterruptsWait", testWakeInterruptsWait},
	{"WakeCoalesces", testWakeCoalesces},
	{"WakeStress", testWakeStress},
	{"SubMillisecondTimeout", testSubMillisecondTimeout},
	{"WaitAllocs", testWaitAllocs},
	{"Closed", testClosed},
	{"WakeDuringClose", testWakeDuringClose},
}

func TestConformance(t *testing.T) {
	for _, b := range testBackends() {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range conformance {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(t, openT(t, b))
				})
			}
		})
	}
}

// openT opens b and closes it when the test ends.
func openT(t testing.TB, b testBackend) Poller {
	t.Helper()
	p, err := b.open()
	if err != nil {
		t.Fatalf("open %s = %v; want nil", b.name, err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			t.Errorf("Close = %v; want nil", err)
		}
	})
	return p
}

// pair is a connected pair of non-blocking descriptors: r is the one tests
// register, w its peer. Both are closed when the test ends.
type pair struct{ r, w int }

func newSocketpair(t testing.TB) *pair {
	t.Helper()
	return newPair(t, "Socketpair", func() ([2]int, error) {
		return unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	})
}

// newPipe uses pipe(2) rather than Pipe2, which macOS lacks.
func newPipe(t testing.TB) *pair {
	t.Helper()
	return newPair(t, "Pipe", func() (fds [2]int, err error) {
		err = unix.Pipe(fds[:])
		return fds, err
	})
}

// newPair makes a pair with mk and sets close-on-exec (under ForkLock, as
// package os does) and non-blocking mode on both ends.
func newPair(t testing.TB, name string, mk func() ([2]int, error)) *pair {
	t.Helper()
	syscall.ForkLock.RLock()
	fds, err := mk()
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatalf("%s = %v; want nil", name, err)
	}
	pr := &pair{fds[0], fds[1]}
	t.Cleanup(func() {
		pr.closePeer()
		unix.Close(pr.r)
	})
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatalf("SetNonblock = %v; want nil", err)
		}
	}
	return pr
}

// send writes one byte to the peer.
func (pr *pair) send(t testing.TB) {
	t.Helper()
	if n, err := unix.Write(pr.w, []byte{'x'}); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v; want 1, nil", n, err)
	}
}

// closePeer closes w, once.
func (pr *pair) closePeer() {
	if pr.w >= 0 {
		unix.Close(pr.w)
		pr.w = -1
	}
}

// add registers fd or fails the test.
func add(t testing.TB, p Poller, fd int, gen uint32, want Interest) {
	t.Helper()
	if err := p.Add(fd, gen, want); err != nil {
		t.Fatalf("Add(%d, %d, %v) = %v; want nil", fd, gen, want, err)
	}
}

// wait calls Wait once and returns the events, failing the test on error.
func wait(t testing.TB, p Poller, timeout time.Duration) []Event {
	t.Helper()
	evs := make([]Event, 16)
	n, err := p.Wait(evs, timeout)
	if err != nil {
		t.Fatalf("Wait(%v) = %d, %v; want nil error", timeout, n, err)
	}
	return evs[:n]
}

// find returns the event for fd in evs. It reports an error if fd appears more
// than once, since each Wait reports a descriptor at most once.
func find(t testing.TB, evs []Event, fd int) (Event, bool) {
	t.Helper()
	found, count := Event{}, 0
	for _, ev := range evs {
		if ev.Ready == 0 {
			t.Errorf("event %+v has Ready 0", ev)
		}
		if int(ev.FD) == fd {
			found = ev
			count++
		}
	}
	if count > 1 {
		t.Errorf("fd %d reported %d times in one Wait; want once", fd, count)
	}
	return found, count > 0
}

// waitFor calls Wait until an event for fd arrives, failing the test after 5 s.
func waitFor(t testing.TB, p Poller, fd int) Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if ev, ok := find(t, wait(t, p, time.Until(deadline)), fd); ok {
			return ev
		}
	}
	t.Fatalf("no event for fd %d within 5s", fd)
	return Event{}
}

// expectNone fails the test if fd is reported by a Wait of d. Tests call it
// with nothing else registered, so the Wait sleeps all of d.
func expectNone(t testing.TB, p Poller, fd int, d time.Duration) {
	t.Helper()
	if ev, ok := find(t, wait(t, p, d), fd); ok {
		t.Errorf("Wait reported %+v; want no event for fd %d", ev, fd)
	}
}

func testWaitZeroEmpty(t *testing.T, p Poller) {
	start := time.Now()
	if evs := wait(t, p, 0); len(evs) != 0 {
		t.Errorf("Wait(0) = %v; want no events", evs)
	}
	// A backend that turned 0 into "forever" would block until the test
	// times out; any bound of seconds tells the two apart on a loaded machine.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Wait(0) took %v; want it to return at once", d)
	}
}

func testReadable(t *testing.T, p Poller, pr *pair) {
	add(t, p, pr.r, 7, Read)
	pr.send(t)
	ev := waitFor(t, p, pr.r)
	if ev.FD != int32(pr.r) || ev.Gen != 7 || ev.Ready&Read == 0 {
		t.Errorf("event = %+v; want FD %d, Gen 7, Ready with read", ev, pr.r)
	}
}

func testWritable(t *testing.T, p Poller) {
	pr := newSocketpair(t)
	add(t, p, pr.r, 3, Write)
	ev := waitFor(t, p, pr.r)
	if ev.Gen != 3 || ev.Ready&Write == 0 {
		t.Errorf("event = %+v; want Gen 3, Ready with write", ev)
	}
}

// testEdgeOrLevel checks that an undrained descriptor is reported again by a
// level-triggered backend and not by an edge-triggered one.
func testEdgeOrLevel(t *testing.T, p Poller) {
	pr := newSocketpair(t)
	add(t, p, pr.r, 1, Read)
	pr.send(t)
	waitFor(t, p, pr.r)
	_, again := find(t, wait(t, p, 0), pr.r)
	if want := !p.EdgeTriggered(); again != want {
		t.Errorf("second Wait(0) reported fd = %v; want %v (EdgeTriggered = %v)", again, want, p.EdgeTriggered())
	}
}

func testModifyGen(t *testing.T, p Poller) {
	pr := newSocketpair(t)
	add(t, p, pr.r, 1, Read)
	pr.send(t)
	if err := p.Modify(pr.r, 2, Read); err != nil {
		t.Fatalf("Modify = %v; want nil", err)
	}
	if ev := waitFor(t, p, pr.r); ev.Gen != 2 {
		t.Errorf("Gen = %d; want 2", ev.Gen)
	}
	// Again after the first report, with new data for edge-triggered backends.
	if err := p.Modify(pr.r, 3, Read); err != nil {
		t.Fatalf("Modify = %v; want nil", err)
	}
	pr.send(t)
	if ev := waitFor(t, p, pr.r); ev.Gen != 3 {
		t.Errorf("Gen = %d; want 3", ev.Gen)
	}
}

func testWantZero(t *testing.T, p Poller) {
	if p.EdgeTriggered() {
		t.Skip("edge-triggered backends report both directions whatever want says")
	}
	pr := newSocketpair(t)
	add(t, p, pr.r, 1, Read|Write)
	if err := p.Modify(pr.r, 2, 0); err != nil {
		t.Fatalf("Modify(want 0) = %v; want nil", err)
	}
	pr.send(t)
	pr.closePeer() // hang-ups are not reported either
	expectNone(t, p, pr.r, 20*time.Millisecond)
	if err := p.Modify(pr.r, 3, Read); err != nil {
		t.Fatalf("Modify = %v; want nil", err)
	}
	if ev := waitFor(t, p, pr.r); ev.Gen != 3 || ev.Ready&Read == 0 {
		t.Errorf("event = %+v; want Gen 3, Ready with read", ev)
	}
}

func testDelete(t *testing.T, p Poller) {
	pr := newSocketpair(t)
	add(t, p, pr.r, 1, Read)
	pr.send(t)
	if err := p.Delete(pr.r); err != nil {
		t.Fatalf("Delete = %v; want nil", err)
	}
	expectNone(t, p, pr.r, 20*time.Millisecond)
	// The fd may be registered again.
	add(t, p, pr.r, 2, Read)
	if ev := waitFor(t, p, pr.r); ev.Gen != 2 {
		t.Errorf("Gen after re-Add = %d; want 2", ev.Gen)
	}
}

func testPeerClose(t *testing.T, p Poller) {
	pr := newSocketpair(t)
	add(t, p, pr.r, 1, Read)
	pr.closePeer()
	if ev := waitFor(t, p, pr.r); ev.Ready&(Read|Hangup) != Read|Hangup {
		t.Errorf("Ready = %v; want read|hangup included", ev.Ready)
	}
	var buf [1]byte
	if n, err := unix.Read(pr.r, buf[:]); n != 0 || err != nil {
		t.Errorf("Read = %d, %v; want 0, nil (EOF)", n, err)
	}
}

// testShortBuffer checks that ready descriptors that do not fit are reported by
// later calls.
func testShortBuffer(t *testing.T, p Poller) {
	want := map[int32]bool{}
	for i := range 3 {
		pr := newSocketpair(t)
		add(t, p, pr.r, uint32(i), Read)
		pr.send(t)
		want[int32(pr.r)] = true
	}
	got := map[int32]bool{}
	evs := make([]Event, 1)
	for range 20 {
		n, err := p.Wait(evs, time.Second)
		if n > 1 || err != nil {
			t.Fatalf("Wait = %d, %v; want at most 1, nil", n, err)
		}
		if n == 1 && evs[0].Ready&Read != 0 {
			got[evs[0].FD] = true
		}
		if len(got) == len(want) {
			break
		}
	}
	for fd := range want {
		if !got[fd] {
			t.Errorf("fd %d never reported with a 1-event buffer; got %v", fd, got)
		}
	}
}

// testMisuse checks the errors of calls the contract rules out, among them Add
// of a registered fd.
func testMisuse(t *testing.T, p Poller) {
	pr, other := newSocketpair(t), newSocketpair(t)
	add(t, p, pr.r, 1, Read)
	_, emptyErr := p.Wait(nil, 0)
	for _, c := range []struct {
		call      string
		err, want error
	}{
		{"Add of a registered fd", p.Add(pr.r, 2, Read), unix.EEXIST},
		{"Add(-1)", p.Add(-1, 1, Read), unix.EBADF},
		{"Modify of an unregistered fd", p.Modify(other.r, 1, Read), unix.ENOENT},
		{"Delete of an unregistered fd", p.Delete(other.r), unix.ENOENT},
		{"Wait(nil, 0)", emptyErr, errNoEvents},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s = %v; want %v", c.call, c.err, c.want)
		}
	}
}

type waitResult struct {
	n   int
	err error
}

// waitAsync runs Wait(-1) on another goroutine; the caller must not use p
// until the result arrives.
func waitAsync(p Poller) <-chan waitResult {
	ch := make(chan waitResult, 1)
	go func() {
		n, err := p.Wait(make([]Event, 8), -1)
		ch <- waitResult{n, err}
	}()
	return ch
}

// awaitWait fails the test unless ch delivers 0, nil within 5 s.
func awaitWait(t *testing.T, ch <-chan waitResult, what string) {
	t.Helper()
	select {
	case r := <-ch:
		if r.n != 0 || r.err != nil {
			t.Errorf("Wait(-1) after %s = %d, %v; want 0, nil", what, r.n, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Wait(-1) still blocked 5s after %s", what)
	}
}

func testWakeInterruptsWait(t *testing.T, p Poller) {
	ch := waitAsync(p)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		time.Sleep(20 * time.Millisecond)
		if err := p.Wake(); err != nil {
			t.Errorf("Wake = %v; want nil", err)
		}
	})
	awaitWait(t, ch, "Wake")
}

// wakeMany calls Wake n times from each of 4 goroutines and waits for them.
func wakeMany(t *testing.T, p Poller, n int) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range n {
				if err := p.Wake(); err != nil {
					t.Errorf("Wake = %v; want nil", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func testWakeCoalesces(t *testing.T, p Poller) {
	wakeMany(t, p, 25)
	if evs := wait(t, p, 0); len(evs) != 0 {
		t.Errorf("Wait(0) after 100 Wakes = %v; want no events", evs)
	}
	// The wake-up was consumed: a timed Wait now sleeps its full timeout.
	sleeps(t, p, 30*time.Millisecond)
	// And the gate was re-armed: the next Wake still wakes.
	if err := p.Wake(); err != nil {
		t.Fatalf("Wake = %v; want nil", err)
	}
	awaitWait(t, waitAsync(p), "a Wake following coalesced Wakes")
}

// testWakeStress races many Wakes against a Wait loop and checks that the last
// Wake still ends a Wait(-1): a lost wake-up would leave the gate pending with
// nothing in the kernel, and the loop asleep.
func testWakeStress(t *testing.T, p Poller) {
	var stop atomic.Bool
	done := make(chan waitResult, 1)
	go func() {
		evs := make([]Event, 8)
		for {
			if _, err := p.Wait(evs, -1); err != nil || stop.Load() {
				done <- waitResult{0, err}
				return
			}
		}
	}()
	wakeMany(t, p, 500)
	stop.Store(true)
	if err := p.Wake(); err != nil {
		t.Fatalf("Wake = %v; want nil", err)
	}
	awaitWait(t, done, "the last of 2,001 racing Wakes (a wake-up was lost)")
}

func testSubMillisecondTimeout(t *testing.T, p Poller) {
	sleeps(t, p, 200*time.Microsecond)
}

// sleeps checks that Wait(d) returns no events after at least d and at most
// 1 s. Since a signal may end a Wait early (EINTR is 0, nil by contract), it
// passes if one of three tries lasts d; a pending wake-up fails all three.
func sleeps(t *testing.T, p Poller, d time.Duration) {
	t.Helper()
	var got time.Duration
	for range 3 {
		start := time.Now()
		evs := wait(t, p, d)
		got = time.Since(start)
		if len(evs) != 0 {
			t.Errorf("Wait(%v) = %v; want no events", d, evs)
		}
		if got > time.Second {
			t.Errorf("Wait(%v) took %v; want at most 1s", d, got)
		}
		if got >= d {
			return
		}
	}
	t.Errorf("Wait(%v) returned after %v three times; want >= %v", d, got, d)
}

func testWaitAllocs(t *testing.T, p Poller) {
	pr := newSocketpair(t)
	add(t, p, pr.r, 1, Write) // level-triggered backends report it every time
	evs := make([]Event, 8)
	if allocs := testing.AllocsPerRun(100, func() { p.Wait(evs, 0) }); allocs != 0 {
		t.Errorf("Wait(0) allocs = %v; want 0", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() { p.Wake(); p.Wait(evs, 0) }); allocs != 0 {
		t.Errorf("Wake+Wait(0) allocs = %v; want 0", allocs)
	}
}

func testClosed(t *testing.T, p Poller) {
	pr := newSocketpair(t)
	add(t, p, pr.r, 1, Read)
	if err := p.Close(); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	_, waitErr := p.Wait(make([]Event, 8), 0)
	for _, c := range []struct {
		call string
		err  error
	}{
		{"Wait", waitErr},
		{"Add", p.Add(pr.w, 1, Read)},
		{"Modify", p.Modify(pr.r, 2, Read)},
		{"Delete", p.Delete(pr.r)},
		{"Wake", p.Wake()},
		{"Close", p.Close()},
	} {
		if !errors.Is(c.err, os.ErrClosed) {
			t.Errorf("%s after Close = %v; want an error matching os.ErrClosed", c.call, c.err)
		}
	}
}

// testWakeDuringClose races Wake against Close: Wake must never touch a closed
// descriptor (the race detector checks the fields) and must report the close.
func testWakeDuringClose(t *testing.T, p Poller) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				if err := p.Wake(); err != nil {
					if !errors.Is(err, os.ErrClosed) {
						t.Errorf("Wake during Close = %v; want nil or os.ErrClosed", err)
					}
					return
				}
				runtime.Gosched()
			}
		})
	}
	time.Sleep(time.Millisecond)
	if err := p.Close(); err != nil {
		t.Errorf("Close = %v; want nil", err)
	}
	wg.Wait()
}

func TestOpen(t *testing.T) {
	if p, err := Open("nope"); p != nil || !errors.Is(err, ErrUnknownBackend) {
		t.Errorf(`Open("nope") = %v, %v; want nil, ErrUnknownBackend`, p, err)
	}
	avail := Available()
	for _, name := range []string{Epoll, Kqueue, Poll} {
		if slices.Contains(avail, name) {
			continue
		}
		if _, err := Open(name); !errors.Is(err, ErrUnknownBackend) {
			t.Errorf("Open(%q) = %v; want ErrUnknownBackend", name, err)
		}
	}
	if !slices.Contains(avail, Poll) || avail[len(avail)-1] != Poll {
		t.Errorf("Available() = %v; want poll last", avail)
	}
	p, err := Open("")
	if err != nil {
		t.Fatalf(`Open("") = %v; want nil`, err)
	}
	defer p.Close()
	if p.Name() != defaultBackend || avail[0] != defaultBackend {
		t.Errorf(`Open("").Name() = %q, Available()[0] = %q; want %q`, p.Name(), avail[0], defaultBackend)
	}
}

func TestInterestString(t *testing.T) {
	for _, tc := range []struct {
		in   Interest
		want string
	}{
		{0, "none"},
		{Read, "read"},
		{Read | Write, "read|write"},
		{Read | Hangup, "read|hangup"},
		{Read | Write | Error | Hangup, "read|write|error|hangup"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Interest(%d).String() = %q; want %q", uint32(tc.in), got, tc.want)
		}
	}
}
