package main

import (
	"bytes"
	"testing"

	"github.com/geventgo/gevent/internal/golden"
)

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	run(&buf)
	golden.Check(t, "golden.txt", buf.Bytes())
}
