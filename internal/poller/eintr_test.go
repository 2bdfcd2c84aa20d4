//go:build unix

package poller

import (
	"errors"
	"math"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestDurationToMillis(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want int
	}{
		{-1, -1},
		{-time.Hour, -1},
		{0, 0},
		{1, 1},
		{200 * time.Microsecond, 1},
		{time.Millisecond, 1},
		{time.Millisecond + 1, 2},
		{1500 * time.Millisecond, 1500},
		{math.MaxInt64, math.MaxInt32},
	} {
		if got := durationToMillis(tc.in); got != tc.want {
			t.Errorf("durationToMillis(%v) = %d; want %d", tc.in, got, tc.want)
		}
	}
}

func TestDurationToTimespec(t *testing.T) {
	var ts unix.Timespec
	if got := durationToTimespec(-1, &ts); got != nil {
		t.Errorf("durationToTimespec(-1) = %+v; want nil", *got)
	}
	for _, tc := range []struct {
		in        time.Duration
		sec, nsec int64
	}{
		{0, 0, 0},
		{200 * time.Microsecond, 0, 200000},
		{1500 * time.Millisecond, 1, 500000000},
	} {
		got := durationToTimespec(tc.in, &ts)
		if got != &ts || int64(got.Sec) != tc.sec || int64(got.Nsec) != tc.nsec {
			t.Errorf("durationToTimespec(%v) = %+v; want {Sec:%d Nsec:%d}", tc.in, got, tc.sec, tc.nsec)
		}
	}
}

// TestWakeGate walks the gate through its states: only the first of several
// wakes signals, reset re-arms it, and shut refuses everything afterwards.
func TestWakeGate(t *testing.T) {
	var g wakeGate
	type result struct {
		ok  bool
		err error
	}
	enter := func() result {
		ok, err := g.enter()
		if ok {
			g.leave()
		}
		return result{ok, err}
	}
	for i, step := range []struct {
		do   func() result
		want result
	}{
		{enter, result{true, nil}},  // first wake signals
		{enter, result{false, nil}}, // coalesced
		{func() result { g.reset(); return enter() }, result{true, nil}},
		{func() result { return result{g.shut(), nil} }, result{true, nil}},
		{enter, result{false, errClosed}},
		{func() result { g.reset(); return enter() }, result{false, errClosed}},
		{func() result { return result{g.shut(), nil} }, result{false, nil}},
	} {
		if got := step.do(); got.ok != step.want.ok || !errors.Is(got.err, step.want.err) {
			t.Errorf("step %d = %v, %v; want %v, %v", i, got.ok, got.err, step.want.ok, step.want.err)
		}
	}
	if !errors.Is(errClosed, os.ErrClosed) {
		t.Errorf("errors.Is(errClosed, os.ErrClosed) = false; want true")
	}
}
