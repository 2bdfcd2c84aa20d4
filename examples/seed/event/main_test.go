package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

func TestGolden(t *testing.T) {
	scale = 0.001 // 3 ms instead of 3 s; the order does not depend on it
	var buf bytes.Buffer
	run(&buf)
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
}
