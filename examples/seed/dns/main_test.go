package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/golden"
)

// TestGolden compares the output with testdata/golden.txt and checks the
// timing shape: the three look-ups overlap, so the run lasts about as long
// as the slowest one (450ms), and less than their sum (900ms), which it
// could not beat if they ran one after another.
func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	start := time.Now()
	run(&buf)
	elapsed := time.Since(start)
	golden.Check(t, "golden.txt", buf.Bytes())
	var slowest, sum time.Duration
	for _, h := range hosts {
		slowest = max(slowest, h.delay)
		sum += h.delay
	}
	if elapsed < slowest || elapsed >= sum {
		t.Errorf("run took %v; want about the slowest look-up (%v), under the sum (%v)", elapsed, slowest, sum)
	}
}
