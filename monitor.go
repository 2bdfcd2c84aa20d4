package gevent

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/geventgo/gevent/internal/goid"
)

// ErrHubBlocked is wrapped by the monitor's reports.
var ErrHubBlocked = errors.New("gevent: greenlet blocked the hub")

// Monitor environment variables (gevent's GEVENT_MONITOR_THREAD_ENABLE and
// GEVENT_MAX_BLOCKING_TIME). GEVENT_MAX_BLOCKING_TIME takes a Go duration
// ("100ms") or seconds ("0.1").
const (
	MonitorEnv         = "GEVENT_MONITOR"
	MaxBlockingTimeEnv = "GEVENT_MAX_BLOCKING_TIME"
)

// DefaultMaxBlockingTime is gevent's default max_blocking_time.
const DefaultMaxBlockingTime = 100 * time.Millisecond

// monitor is a goroutine that watches one hub (gevent's monitor thread).
type monitor struct {
	max  time.Duration
	stop chan struct{}
	done chan struct{}
}

// SetMonitor starts the hub monitor with the given threshold, or stops it
// when max <= 0. While it runs, a greenlet that keeps the hub for longer
// than max without switching is reported once per incident through the
// error handler, with its name and stack (the report's Err wraps
// ErrHubBlocked). It may be called from any goroutine.
func (h *Hub) SetMonitor(max time.Duration) {
	h.stopMonitor()
	if max <= 0 {
		return
	}
	m := &monitor{max: max, stop: make(chan struct{}), done: make(chan struct{})}
	h.errMu.Lock()
	h.mon = m
	h.errMu.Unlock()
	h.monOn.Store(true)
	go h.runMonitor(m)
}

func (h *Hub) stopMonitor() {
	h.errMu.Lock()
	m := h.mon
	h.mon = nil
	h.errMu.Unlock()
	if m == nil {
		return
	}
	h.monOn.Store(false)
	close(m.stop)
	<-m.done
}

func (h *Hub) startMonitorFromEnv() {
	if v := os.Getenv(MonitorEnv); v == "" || v == "0" || v == "false" {
		return
	}
	max := DefaultMaxBlockingTime
	if v := os.Getenv(MaxBlockingTimeEnv); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			max = d
		} else if s, err := strconv.ParseFloat(v, 64); err == nil {
			max = time.Duration(s * float64(time.Second))
		}
	}
	h.SetMonitor(max)
}

// monitorSwitch records a switch into g; called by the hub.
func (h *Hub) monitorSwitch(g *greenlet) {
	if h.monOn.Load() {
		h.switches.Add(1)
		h.runningG.Store(g)
	}
}

func (h *Hub) runMonitor(m *monitor) {
	defer close(m.done)
	// The deadlock check counts the monitor of an idle hub as idle: it
	// reports only a greenlet that runs.
	id := goid.Get()
	h.monGoid.Store(id)
	defer h.monGoid.CompareAndSwap(id, 0)
	tick := time.NewTicker(max(m.max/4, time.Millisecond))
	defer tick.Stop()
	last := h.switches.Load()
	since := time.Now()
	reported := false
	for {
		select {
		case <-m.stop:
			return
		case now := <-tick.C:
			s := h.switches.Load()
			if s != last {
				last, since, reported = s, now, false
				continue
			}
			g := h.runningG.Load()
			running := h.curGoid.Load()
			if reported || g == nil || running == h.owner || now.Sub(since) < m.max {
				continue
			}
			reported = true
			h.deliverReport(Report{
				Time:    now,
				Context: g.repr(),
				Err:     fmt.Errorf("%w for %v (max blocking time %v)", ErrHubBlocked, now.Sub(since).Round(time.Millisecond), m.max),
				Stack:   goroutineStack(running),
			})
		}
	}
}

// goroutineStack returns the stack of goroutine id, taken from a dump of
// all goroutines.
func goroutineStack(id int64) []byte {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	head := []byte("goroutine " + strconv.FormatInt(id, 10) + " [")
	i := bytes.Index(buf, head)
	if i < 0 {
		return nil
	}
	rest := buf[i:]
	if j := bytes.Index(rest, []byte("\n\n")); j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}
