package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/golden"
)

// TestGolden compares the output with testdata/golden.txt and checks the
// timing shape: the three look-ups overlap, so the run lasts about as long
// as the slowest one (450ms), well under their sum (900ms).
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
	if elapsed < slowest || elapsed >= sum-sum/8 {
		t.Errorf("run took %v; want about the slowest look-up (%v), well under the sum (%v)", elapsed, slowest, sum)
	}
}
