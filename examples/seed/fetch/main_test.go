package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/golden"
)

// testUnit is the delay unit of the tests: twice the program's, so that
// the overlapping run's margin under the sum (1.2 s) is 400 ms, which a
// loaded machine does not eat.
const testUnit = 200 * time.Millisecond

var totalLine = regexp.MustCompile(`^total (\S+) \(slowest answer (\S+), sum (\S+)\)\n$`)

// runAndSplit runs the program and returns its output without the last
// line, and the total time that line reports.
func runAndSplit(t *testing.T, cfg config) (string, time.Duration) {
	t.Helper()
	var buf bytes.Buffer
	run(&buf, cfg)
	out := buf.String()
	i := strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")
	m := totalLine.FindStringSubmatch(out[i+1:])
	if m == nil {
		t.Fatalf("the output does not end with the total time:\n%s", out)
	}
	total, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if m[2] != slowest(cfg.unit).String() || m[3] != sum(cfg.unit).String() {
		t.Errorf("last line %q; want slowest %v and sum %v", out[i+1:], slowest(cfg.unit), sum(cfg.unit))
	}
	return out[:i+1], total
}

// TestGolden compares the output with testdata/golden.txt and checks the
// timing shape: the three requests overlap, so the run lasts about as long
// as the slowest answer (600 ms here), well under the sum (1.2 s).
func TestGolden(t *testing.T) {
	out, total := runAndSplit(t, config{unit: testUnit})
	golden.Check(t, "golden.txt", []byte(out))
	if total < slowest(testUnit) || total >= sum(testUnit)-2*testUnit {
		t.Errorf("total %v; want about the slowest answer (%v), well under the sum (%v)", total, slowest(testUnit), sum(testUnit))
	}
}

// TestPlainNetHTTPSerialises: net/http's own client, called from
// greenlets, blocks the hub in each call, so the three requests run one
// after another and the total is at least the sum; the hub monitor reports
// each greenlet that held the hub, by name, with net/http in its stack.
func TestPlainNetHTTPSerialises(t *testing.T) {
	var reports bytes.Buffer
	out, total := runAndSplit(t, config{unit: testUnit, plain: true, monitor: testUnit / 4, stderr: &reports})
	golden.Check(t, "golden.txt", []byte(out)) // the same answers
	if total < sum(testUnit) {
		t.Errorf("total %v; want at least the sum of the answers (%v): the calls block the hub", total, sum(testUnit))
	}
	r := reports.String()
	for _, path := range paths {
		want := `<Greenlet "fetch ` + path + `"`
		if !strings.Contains(r, want) {
			t.Errorf("the monitor's reports do not name %s:\n%s", want, r)
		}
	}
	if !strings.Contains(r, "greenlet blocked the hub") || !strings.Contains(r, "net/http.(*Client).Get") {
		t.Errorf("the monitor's reports lack the blocked hub or net/http's stack:\n%s", r)
	}
}
