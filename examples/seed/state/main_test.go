package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

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
		t.Errorf("stdout = %q; want %q", got, want)
	}

	report, err := os.ReadFile(stderr.Name())
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ <Greenlet "Greenlet-\d+" at 0x[0-9a-f]+: \S+fail> failed with You failed!\n\n\z`)
	if !line.Match(report) {
		t.Errorf("stderr = %q; want one failure report of the loser", report)
	}
}
