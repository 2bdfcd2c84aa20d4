// Package leakcheck fails a package's tests that leave goroutines or open
// file descriptors behind, as the tests of package net and net/http do.
//
// Each test package of the module calls it from its TestMain:
//
//	func TestMain(m *testing.M) { leakcheck.Main(m) }
//
// Main notes the goroutines and (on Linux) the entries of /proc/self/fd
// before the tests run. After a run that passed, it waits, polling, up to
// Timeout for both to return to that baseline, and otherwise prints the
// stacks of the goroutines that are left and the descriptors that are still
// open, and exits with status 1. A run that failed is not checked: its
// goroutines are not the news.
//
// A leak here is usually a hub that a test created (by a first blocking call
// on a goroutine with no hub) and never destroyed: its loop holds an epoll
// descriptor and an eventfd, and its greenlets are parked goroutines. Tests
// run their hubs with gevent.Run, or Destroy them in t.Cleanup.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Timeout bounds the wait for goroutines and descriptors to go away after the
// tests: a goroutine that has been told to stop may still be on its way out
// on a loaded machine.
const Timeout = 10 * time.Second

// system lists stack fragments of goroutines that belong to the runtime, the
// testing package or os/signal and outlive any test.
var system = []string{
	"testing.(*M).",
	"testing.Main(",
	"testing.runFuzzTests",
	"testing.runFuzzing",
	"os/signal.signal_recv",
	"os/signal.loop",
	"runtime.ensureSigM",
	"runtime.goexit0",
}

// Main runs the tests of m, checks that they leaked nothing, and exits the
// process with the tests' status, or 1 if they leaked. known lists stack
// fragments of goroutines that are leaked on purpose or by a known bug (each
// caller says which); a goroutine whose stack contains one of them is not
// reported. It is for TestMain only.
func Main(m *testing.M, known ...string) {
	os.Exit(Run(m, known...))
}

// Run is Main without the exit: it returns the status Main would exit with.
func Run(m *testing.M, known ...string) int {
	settle()
	goroutines := goroutineIDs(stacks(nil))
	fds := openFDs()
	code := m.Run()
	if code != 0 {
		return code
	}
	if err := wait(goroutines, fds, known); err != nil {
		fmt.Fprintf(os.Stderr, "leakcheck: %v\n", err)
		return 1
	}
	return 0
}

// settle opens what the Go runtime opens once per process and keeps (the
// descriptors of its network poller) so that the baseline has them.
func settle() {
	if r, w, err := os.Pipe(); err == nil {
		r.SetReadDeadline(time.Now()) // registers r with the runtime's poller
		r.Close()
		w.Close()
	}
}

// wait polls until the goroutines and descriptors are back to the baseline
// or Timeout passes, and then describes what is left.
func wait(goroutines map[string]bool, fds map[string]string, known []string) error {
	deadline := time.Now().Add(Timeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		leaked := leakedGoroutines(goroutines, known)
		open := newFDs(fds)
		if len(leaked) == 0 && len(open) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			fmt.Fprintf(&b, "the tests leaked %d goroutine(s) and %d file descriptor(s) (still there after %v)\n",
				len(leaked), len(open), Timeout)
			for _, fd := range open {
				fmt.Fprintf(&b, "open descriptor %s\n", fd)
			}
			for _, g := range leaked {
				fmt.Fprintf(&b, "\n%s\n", g)
			}
			return fmt.Errorf("%s", b.String())
		}
		runtime.GC() // finalizers may close what nobody referenced
		time.Sleep(delay)
	}
}

// leakedGoroutines returns the stacks of the goroutines that are not in the
// baseline, not the caller, not the runtime's, testing's or os/signal's, and
// not known.
func leakedGoroutines(baseline map[string]bool, known []string) []string {
	var leaked []string
	all := stacks(nil)
	for i, g := range all {
		if i == 0 || baseline[goroutineID(g)] || containsAny(g, system) || containsAny(g, known) {
			continue // the first stack is the caller's
		}
		leaked = append(leaked, g)
	}
	return leaked
}

func containsAny(s string, frags []string) bool {
	return slices.ContainsFunc(frags, func(f string) bool { return strings.Contains(s, f) })
}

// stacks returns the stack of every goroutine, the caller's first.
func stacks(buf []byte) []string {
	if buf == nil {
		buf = make([]byte, 1<<20)
	}
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(strings.TrimSpace(string(buf[:n])), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// goroutineID returns the id in a stack's first line, "goroutine 7 [...]:".
func goroutineID(stack string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(stack, "goroutine "), " ")
	return id
}

func goroutineIDs(stacks []string) map[string]bool {
	ids := make(map[string]bool, len(stacks))
	for _, s := range stacks {
		ids[goroutineID(s)] = true
	}
	return ids
}

// openFDs maps each open descriptor of the process to what it refers to. It
// returns nil where /proc/self/fd does not exist (not Linux): no descriptor
// is then checked.
func openFDs() map[string]string {
	dir := "/proc/self/fd"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	self := "/proc/" + strconv.Itoa(os.Getpid()) + "/fd"
	fds := make(map[string]string, len(entries))
	for _, e := range entries {
		target, err := os.Readlink(dir + "/" + e.Name())
		if err != nil || target == self {
			continue // closed since, or the directory being read
		}
		fds[e.Name()] = target
	}
	return fds
}

// newFDs describes the descriptors open now that were not in the baseline
// (or now refer to something else).
func newFDs(baseline map[string]string) []string {
	if baseline == nil {
		return nil
	}
	var open []string
	for fd, target := range openFDs() {
		if was, ok := baseline[fd]; !ok || was != target {
			open = append(open, fd+" -> "+target)
		}
	}
	slices.Sort(open)
	return open
}
