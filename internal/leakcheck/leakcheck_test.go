package leakcheck

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestLeakedGoroutines(t *testing.T) {
	baseline := goroutineIDs(stacks(nil))
	stop := make(chan struct{})
	started := make(chan struct{})
	go parkedForTest(started, stop)
	<-started
	leaked := leakedGoroutines(baseline, nil)
	if len(leaked) != 1 || !strings.Contains(leaked[0], "parkedForTest") {
		t.Errorf("leaked = %q; want the one goroutine in parkedForTest", leaked)
	}
	if known := leakedGoroutines(baseline, []string{"leakcheck.parkedForTest"}); len(known) != 0 {
		t.Errorf("leaked with parkedForTest known = %q; want none", known)
	}
	close(stop)
	if err := wait(baseline, nil, nil); err != nil {
		t.Errorf("wait after the goroutine returned = %v", err)
	}
}

func parkedForTest(started, stop chan struct{}) {
	close(started)
	<-stop
}

func TestNewFDs(t *testing.T) {
	baseline := openFDs()
	if baseline == nil {
		t.Skip("no /proc/self/fd")
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	open := newFDs(baseline)
	if len(open) != 1 || !strings.HasSuffix(open[0], "-> /dev/null") {
		t.Errorf("newFDs = %q; want the one descriptor of /dev/null", open)
	}
	f.Close()
	start := time.Now()
	if err := wait(goroutineIDs(stacks(nil)), baseline, nil); err != nil {
		t.Errorf("wait after Close = %v", err)
	}
	if d := time.Since(start); d >= Timeout {
		t.Errorf("wait took %v; want it to return once the descriptor is closed", d)
	}
}
