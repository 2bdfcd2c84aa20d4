package gevent_test

import (
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// TestSignalHandler: each delivery of the signal runs the handler in a new
// greenlet; the handler does not keep the loop alive; Cancel removes it.
func TestSignalHandler(t *testing.T) {
	// Once os/signal relays signals its goroutine runs for the rest of the
	// process, and while it runs no wait reports ErrLoopExit (a signal may
	// wake anything): the test runs in a child process, so that the other
	// tests of this process keep the deadlock check.
	const childEnv = "GEVENT_TEST_SIGNAL_CHILD"
	if os.Getenv(childEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSignalHandler$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestSignalHandler") {
			t.Fatalf("child process: %v\n%s", err, out)
		}
		return
	}
	// Keep SIGUSR1 from killing the process once the handler is cancelled.
	guard := make(chan os.Signal, 4)
	signal.Notify(guard, syscall.SIGUSR1)
	defer signal.Stop(guard)

	runHub(t, func(h *gevent.Hub) {
		var seen []any
		ws := []*gevent.Waiter{gevent.NewWaiter(), gevent.NewWaiter()}
		for _, w := range ws {
			hubapi.SetRef(w, true) // the signal comes from outside the hub
		}
		s, err := gevent.SignalHandler(syscall.SIGUSR1, func() {
			seen = append(seen, gevent.Current())
			if len(seen) <= len(ws) {
				ws[len(seen)-1].Switch()
			}
		})
		if err != nil {
			t.Fatalf("SignalHandler = %v", err)
		}
		// The handler alone does not keep the loop alive.
		start := time.Now()
		if err := h.Join(); err != nil || time.Since(start) > time.Second {
			t.Errorf("Hub.Join with only a signal handler = %v after %v; want an immediate nil", err, time.Since(start))
		}

		kill := func() {
			if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
				t.Fatal(err)
			}
			<-guard
		}
		for i, w := range ws {
			kill()
			if ok, err := w.WaitTimeout(5 * time.Second); !ok || err != nil {
				t.Fatalf("delivery %d: handler did not run within 5s (WaitTimeout = %v, %v)", i, ok, err)
			}
		}
		if seen[0] == nil || seen[1] == nil || seen[0] == seen[1] {
			t.Errorf("handler greenlets = %v; want two distinct greenlets", seen)
		}

		s.Cancel()
		kill()
		gevent.Sleep(20 * time.Millisecond)
		if len(seen) != 2 {
			t.Errorf("handler ran after Cancel (%d runs)", len(seen))
		}
	})

	if _, err := gevent.SignalHandler(syscall.SIGUSR1, nil); err == nil {
		t.Error("SignalHandler(nil) = nil error")
	}
	if h := hubapi.CurrentHubIfAny(); h != nil {
		h.Destroy()
	}
}
