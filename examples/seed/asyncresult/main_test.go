package main

import (
	"bytes"
	"testing"

	"github.com/geventgo/gevent/internal/golden"
)

func TestGolden(t *testing.T) {
	scale = 0.001 // 3 ms instead of 3 s; the order does not depend on it
	var buf bytes.Buffer
	run(&buf)
	golden.Check(t, "golden.txt", buf.Bytes())
}
