package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/golden"
)

// TestGolden runs the program with its durations scaled by 0.01 (40 ms of
// timeouts instead of 4 s) and compares the output with the golden file.
func TestGolden(t *testing.T) {
	scale = 0.01
	defer func() { scale = 1 }()
	var buf bytes.Buffer
	start := time.Now()
	run(&buf)
	elapsed := time.Since(start)
	// 2 s + 1 s + 1 s of timeouts, scaled; the 10 s sleeps never finish.
	if min, max := 40*time.Millisecond, 2*time.Second; elapsed < min || elapsed > max {
		t.Errorf("run took %v; want between %v (the scaled timeouts) and %v (far below the unscaled 4s)", elapsed, min, max)
	}

	golden.Check(t, "golden.txt", buf.Bytes())
}
