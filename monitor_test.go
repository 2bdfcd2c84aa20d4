package gevent_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/geventgo/gevent"
)

// TestMonitorReportsBlockingGreenlet: a greenlet that holds the hub in
// time.Sleep(300ms) past a 50ms threshold is reported exactly once, with its
// name and stack; normal switching and an idle hub are not reported.
func TestMonitorReportsBlockingGreenlet(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		log := captureReports(h)
		h.SetMonitor(50 * time.Millisecond)
		defer h.SetMonitor(0)

		// An idle hub (the owner waits in the poller) is not blocked.
		gevent.Sleep(150 * time.Millisecond)
		// Greenlets that switch often are not blocked.
		busy := gevent.Go(func() {
			for end := time.Now().Add(150 * time.Millisecond); time.Now().Before(end); {
				gevent.Sleep(time.Millisecond)
			}
		})
		busy.Join()
		if rs := log.get(); len(rs) != 0 {
			t.Fatalf("reports before any blocking: %v", rs)
		}

		g := gevent.Go(func() { time.Sleep(300 * time.Millisecond) })
		g.SetName("sleepy")
		g.Join()
		gevent.Sleep(100 * time.Millisecond) // the monitor's ticks after the incident
		rs := log.get()
		if len(rs) != 1 {
			t.Fatalf("got %d reports; want exactly 1: %v", len(rs), rs)
		}
		r := rs[0]
		if !strings.Contains(r.Context, `"sleepy"`) {
			t.Errorf("Context = %q; want the greenlet's name", r.Context)
		}
		if !strings.Contains(string(r.Stack), "time.Sleep") {
			t.Errorf("Stack does not show time.Sleep:\n%s", r.Stack)
		}
		if !errors.Is(r.Err, gevent.ErrHubBlocked) {
			t.Errorf("Err = %v; want ErrHubBlocked", r.Err)
		}

		// A second incident is a second report.
		gevent.Go(func() { time.Sleep(150 * time.Millisecond) }).Join()
		if n := len(log.get()); n != 2 {
			t.Errorf("after a second incident: %d reports; want 2", n)
		}

		// SetMonitor(0) stops it.
		h.SetMonitor(0)
		gevent.Go(func() { time.Sleep(150 * time.Millisecond) }).Join()
		if n := len(log.get()); n != 2 {
			t.Errorf("after SetMonitor(0): %d reports; want still 2", n)
		}
	})
}

// TestMonitorFromEnv: GEVENT_MONITOR=1 turns the monitor on for new hubs,
// with GEVENT_MAX_BLOCKING_TIME as its threshold.
func TestMonitorFromEnv(t *testing.T) {
	t.Setenv(gevent.MonitorEnv, "1")
	t.Setenv(gevent.MaxBlockingTimeEnv, "0.05")
	runHub(t, func(h *gevent.Hub) {
		log := captureReports(h)
		g := gevent.Go(func() { time.Sleep(200 * time.Millisecond) })
		g.Join()
		rs := log.get()
		if len(rs) != 1 || !errors.Is(rs[0].Err, gevent.ErrHubBlocked) || !strings.Contains(rs[0].Context, g.Name()) {
			t.Errorf("reports = %v; want one ErrHubBlocked naming %s", rs, g.Name())
		}
	})
	t.Setenv(gevent.MonitorEnv, "0")
	runHub(t, func(h *gevent.Hub) {
		log := captureReports(h)
		gevent.Go(func() { time.Sleep(150 * time.Millisecond) }).Join()
		if rs := log.get(); len(rs) != 0 {
			t.Errorf("GEVENT_MONITOR=0: reports = %v; want none", rs)
		}
	})
}
