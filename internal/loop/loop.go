package loop

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent/internal/poller"
)

// ErrClosed is returned by operations on a closed Loop or watcher.
var ErrClosed = errors.New("loop: closed")

// ErrRunning is returned by Run when it is called from a callback of the same
// loop, and by Close while Run is active.
var ErrRunning = errors.New("loop: already running")

// RunMode selects how long Run runs.
type RunMode int

const (
	// RunDefault runs until no active referenced watcher and no queued
	// callback is left, or Break is called.
	RunDefault RunMode = iota
	// RunOnce runs one iteration, waiting for events if there are none.
	RunOnce
	// RunNoWait runs one iteration without waiting.
	RunNoWait
)

// spinThreshold is the poll timeout under which the loop polls without
// blocking instead: kernel timer slack (50 µs by default on Linux) would turn
// a few microseconds into tens.
const spinThreshold = 20 * time.Microsecond

// Loop is an event loop. A Loop must be created with New. It is not safe for
// concurrent use except through Async.Send, RunCallbackThreadsafe and
// PostThreadsafe.
type Loop struct {
	p         poller.Poller // immutable; never nil until Close
	interval  time.Duration // callback batch bound; immutable
	base      time.Time     // monotonic origin of now; immutable
	baseUnix  int64         // base.UnixNano(); immutable
	now       int64         // cached loop time in ns since base
	nowStale  bool          // now must be read again before use (see poll)
	iteration uint64
	running   bool
	breaking  bool
	closed    bool
	refs      int // active referenced watchers plus Ref calls

	callbacks fifo[callback]
	pendq     fifo[pending]

	// Thread-safe entry.
	tsMu      sync.Mutex
	tsq       []callback // guarded by tsMu
	tsPending atomic.Bool
	tsSeq     atomic.Uint64 // posts and Async sends ever; written under tsMu
	asyncs    []*Async

	signals map[os.Signal]*sigState
	timers  timerHeap
	prepare hookList
	check   hookList
	idle    hookList

	fds       []*fdState
	fdChanges []int
	events    []poller.Event
	evNext    int // next unread index in events
	evLen     int
	busy      bool // the last poll returned events
	ranIO     bool // an IO callback ran directly from this iteration's poll

	// Callbacks run since the last poll, and when the 50th of them ran:
	// the switch interval is measured from there (see runCallbacks).
	sincePoll  int
	batchStart time.Time
	spent      bool // the switch interval has passed: poll before more callbacks

	inCallbacks bool // runCallbacks is running (for TakeTagged)
}

// New returns a Loop on the backend that opts select.
func New(opts Options) (*Loop, error) {
	opts = opts.withDefaults()
	p, err := poller.Open(opts.Backend)
	if err != nil {
		return nil, fmt.Errorf("loop: %w", err)
	}
	l := &Loop{
		p:        p,
		interval: opts.SwitchInterval,
		base:     time.Now(),
		events:   make([]poller.Event, 128),
	}
	l.baseUnix = l.base.UnixNano()
	return l, nil
}

// Backend returns the poller's name: "epoll", "kqueue" or "poll".
func (l *Loop) Backend() string { return l.p.Name() }

// Iteration returns the number of iterations Run has started.
func (l *Loop) Iteration() uint64 { return l.iteration }

// Now returns the cached loop time: the time read after the iteration's
// poll, or at the latest UpdateNow. The clock is read once per iteration at
// most: right after the poll when timers are pending, otherwise at the first
// call that needs the time (Now, a timer's Start or Remaining).
func (l *Loop) Now() time.Time { return l.base.Add(time.Duration(l.nowNS())) }

// NowUnixNano is Now().UnixNano() without building the time.Time.
func (l *Loop) NowUnixNano() int64 { return l.baseUnix + l.nowNS() }

// UpdateNow refreshes the cached loop time.
func (l *Loop) UpdateNow() { l.now, l.nowStale = int64(time.Since(l.base)), false }

// nowNS returns the cached loop time in ns since base, reading the clock
// first if the last poll left it stale.
func (l *Loop) nowNS() int64 {
	if l.nowStale {
		l.UpdateNow()
	}
	return l.now
}

// Ref keeps the loop alive as an active watcher would, until a matching Unref
// (libev's ev_ref).
func (l *Loop) Ref() { l.refs++ }

// Unref undoes one Ref.
func (l *Loop) Unref() { l.refs-- }

// Alive reports whether Run(RunDefault) would do anything: an active
// referenced watcher, a Ref, a queued callback or a pending watcher.
func (l *Loop) Alive() bool {
	return l.refs > 0 || l.callbacks.len() > 0 || l.pendq.len() > 0 || l.tsPending.Load()
}

// Break makes Run return after the callback that is running now. Work that
// was collected but not yet run stays queued for the next Run.
func (l *Loop) Break() { l.breaking = true }

// Run runs the loop in the given mode. Its phases, in order, are:
//
//  1. invoke pending watchers left over from a broken iteration;
//  2. run queued callbacks, for at most the switch interval;
//  3. prepare watchers;
//  4. apply descriptor changes to the poller;
//  5. poll, with a timeout from the timer heap (0 when anything is queued);
//  6. collect I/O events, async sends and expired timers;
//  7. idle watchers, when nothing else is pending;
//  8. check watchers;
//  9. invoke the pending watchers in collection order.
//
// An I/O event for a descriptor with one watcher, collected while nothing is
// queued, calls the watcher at once in phase 6: the order is the same as if it
// had been queued (it would have been first), without the trip through the
// queue.
//
// Run returns nil when the mode's condition is met or Break is called, and an
// error when the poller fails or the loop is closed or already running.
func (l *Loop) Run(mode RunMode) error {
	if l.closed {
		return ErrClosed
	}
	if l.running {
		return ErrRunning
	}
	l.running, l.breaking = true, false
	defer func() { l.running, l.inCallbacks = false, false }()
	for {
		l.iteration++
		if l.invokePending(); l.breaking {
			return nil
		}
		if l.runCallbacks(); l.breaking {
			return nil
		}
		l.prepare.feedAll(l)
		if l.invokePending(); l.breaking {
			return nil
		}
		l.applyFDChanges()
		if err := l.poll(l.pollTimeout(mode)); err != nil {
			return err
		}
		l.collectTimers()
		if l.pendq.len() == 0 && !l.ranIO {
			l.idle.feedAll(l)
		}
		l.ranIO = false
		l.check.feedAll(l)
		l.invokePending()
		if l.breaking || mode != RunDefault || !l.Alive() {
			return nil
		}
	}
}

// pollTimeout returns how long the poll phase may block.
func (l *Loop) pollTimeout(mode RunMode) time.Duration {
	if mode == RunNoWait || l.callbacks.len() > 0 || l.pendq.len() > 0 ||
		l.idle.len() > 0 || l.tsPending.Load() || l.evNext < l.evLen {
		return 0
	}
	if mode == RunDefault && !l.Alive() {
		return 0
	}
	if l.timers.len() == 0 {
		return -1
	}
	l.UpdateNow()
	d := time.Duration(l.timers.min().at - l.now)
	if d < spinThreshold {
		return 0
	}
	return d
}

// poll waits for I/O and queues the watchers of ready descriptors. Events
// left over from a broken iteration are dispatched before polling again.
func (l *Loop) poll(timeout time.Duration) error {
	l.sincePoll, l.spent = 0, false
	if l.evNext >= l.evLen {
		n, err := 0, error(nil)
		if timeout != 0 && l.busy {
			// The last poll found events: under load more have usually
			// arrived while they were handled. Poll once without blocking
			// (a cheap call, see internal/poller) before sleeping in the
			// kernel, which costs a context switch.
			n, err = l.p.Wait(l.events, 0)
			if n == 0 && err == nil && l.wakePending() {
				// That poll consumed a wake-up and found no descriptor
				// ready: what woke it is queued, so do not sleep.
				timeout = 0
			}
		}
		if n == 0 && err == nil {
			n, err = l.p.Wait(l.events, timeout)
		}
		if err != nil {
			return err
		}
		l.evNext, l.evLen = 0, n
		l.busy = n > 0
	}
	// Timers need the time now; otherwise it is read when first needed
	// (a clock read costs tens of ns on a virtual machine, and a busy
	// server iterates once per few events).
	if l.timers.len() > 0 {
		l.UpdateNow()
	} else {
		l.nowStale = true
	}
	for l.evNext < l.evLen {
		ev := l.events[l.evNext]
		l.evNext++
		l.dispatchIO(ev)
	}
	l.takeThreadsafe()
	l.collectAsyncs()
	return nil
}

// wakePending reports whether another goroutine has queued a callback or
// sent an Async that the loop has not collected yet.
func (l *Loop) wakePending() bool {
	if l.tsPending.Load() {
		return true
	}
	for _, a := range l.asyncs {
		if a.sent.Load() {
			return true
		}
	}
	return false
}

// Close stops every watcher and releases the poller. Watchers must not be
// used afterwards; callbacks still queued are dropped.
func (l *Loop) Close() error {
	if l.closed {
		return ErrClosed
	}
	if l.running {
		return ErrRunning
	}
	l.closeSignals()
	l.tsMu.Lock()
	l.closed = true
	l.tsq = nil
	l.tsMu.Unlock()
	return l.p.Close()
}

// Closed reports whether Close was called.
func (l *Loop) Closed() bool { return l.closed }
