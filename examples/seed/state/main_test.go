package main

import (
	"bytes"
	"os"
	"regexp"
	"testing"

	"github.com/geventgo/gevent/internal/golden"
)

// TestGolden compares stdout with the golden file and checks that the
// loser's failure is reported on stderr in gevent's form.
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
	line := regexp.MustCompile(`\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ <Greenlet "Greenlet-\d+" at 0x[0-9a-f]+: \S+fail> failed with You failed!\n\n\z`)
	if !line.Match(report) {
		t.Errorf("stderr = %q; want one failure report of the loser", report)
	}
}
