package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/geventgo/gevent/internal/golden"
)

// TestGolden compares stdout with the golden file and checks that the
// loser's failure, observed by JoinAll, is not reported on stderr.
func TestGolden(t *testing.T) {
	stderr, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = stderr // the hub's default error stream is os.Stderr when it is created
	var buf bytes.Buffer
	run(&buf)
	os.Stderr = saved
	stderr.Close()

	golden.Check(t, "golden.txt", buf.Bytes())

	report, err := os.ReadFile(stderr.Name())
	if err != nil {
		t.Fatal(err)
	}
	if len(report) != 0 {
		t.Errorf("stderr = %q; want nothing (JoinAll observed the loser)", report)
	}
}
