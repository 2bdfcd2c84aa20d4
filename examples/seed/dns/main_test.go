package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt with the current output")

// TestGolden compares the output with testdata/golden.txt and checks the
// timing shape: the three look-ups overlap, so the run lasts about as long
// as the slowest one (450ms), well under their sum (900ms).
func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	start := time.Now()
	run(&buf)
	elapsed := time.Since(start)
	golden := filepath.Join("testdata", "golden.txt")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	var slowest, sum time.Duration
	for _, h := range hosts {
		slowest = max(slowest, h.delay)
		sum += h.delay
	}
	if elapsed < slowest || elapsed >= sum-sum/8 {
		t.Errorf("run took %v; want about the slowest look-up (%v), well under the sum (%v)", elapsed, slowest, sum)
	}
}
