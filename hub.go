package gevent

import (
	"cmp"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent/internal/atomicx"
	"github.com/geventgo/gevent/internal/goid"
	"github.com/geventgo/gevent/internal/loop"
)

// Hub runs one event loop and the greenlets spawned on it. There is at most
// one hub per goroutine (see the package documentation). The methods that
// change the loop must be called from the hub's goroutine or one of its
// greenlets unless their documentation says otherwise.
type Hub struct {
	loop  *loop.Loop // immutable; never nil
	owner int64      // goid of the owning goroutine; immutable
	main  task       // the owning goroutine's context

	// Scheduling state, hub-only.
	current   *task  // what runs now; nil while loop callbacks run
	nester    *task  // the greenlet running others in its park (runReady), or nil
	nswitch   uint64 // switches into greenlets, for parkMain's checks
	mainWoken bool
	// mainWaitFor is what the owner's join or IWait waits for, for
	// ErrLoopExit's message: nil, *greenlet or func() string.
	mainWaitFor any
	// heldTimeouts expired during a Shield entered after their Start.
	heldTimeouts []*Timeout
	inLoop       bool // the owner is inside loop.Run
	workers      []*worker
	free         []*worker
	ids          idPool

	// curGoid is the goid of whatever runs on the hub now, so that current()
	// finds the hub without a map lookup. Written by the hub's goroutines,
	// each write by the goroutine that hands the run over; read by any
	// goroutine, which compares it with its own goid: a stale value is never
	// the reader's own unless it was, so a release store is enough.
	curGoid atomicx.Int64

	destroyed atomic.Bool

	// idle is the owner's idle mark while parkMain waits with nothing to
	// do (loopexit.go), nil otherwise; monGoid is the monitor goroutine's
	// id, 0 without one. Read by the deadlock checks of other hubs.
	idle    atomic.Pointer[idleMark]
	monGoid atomic.Int64

	// implicit marks a hub that ensureHub created for a plain goroutine
	// (not Run); it is released when it becomes quiet (release.go) unless
	// pinned, which marks a hub handed out (CurrentHub, Greenlet.Hub, the
	// hubapi look-ups) or bound to a long-lived object (Timeout, signal
	// handler). unstarted counts its greenlets made by New and neither
	// started nor killed yet.
	implicit  bool
	pinned    atomic.Bool
	unstarted atomic.Int64

	// Monitor state, written by the hub when monOn is set.
	monOn    atomic.Bool
	switches atomic.Uint64
	runningG atomic.Pointer[greenlet]

	errMu   sync.Mutex   // guards the fields below
	handler func(Report) // nil: print to stream
	stream  io.Writer    // default os.Stderr
	mon     *monitor     // nil when the monitor is off
}

// maxFreeWorkers bounds the coroutines kept for reuse after their greenlet
// finished; a burst of more live greenlets pays for new ones later.
const maxFreeWorkers = 1024

// registry maps a goroutine id to its ctxEntry: the hub it owns or the worker
// coroutine it is.
var registry sync.Map

// hint is the hub most recently looked up, checked first by current().
var hint atomic.Pointer[Hub]

type ctxEntry struct {
	hub *Hub    // for a hub's owning goroutine
	w   *worker // for a greenlet's coroutine
}

// current returns the calling goroutine's hub and task. The task is nil when
// the caller is a loop callback; both are nil for a goroutine without a hub.
func current() (*Hub, *task) {
	id := goid.Get()
	if h := hint.Load(); h != nil && h.curGoid.Load() == id {
		return h, h.current
	}
	e, ok := registry.Load(id)
	if !ok {
		return nil, nil
	}
	ent := e.(*ctxEntry)
	h := ent.hub
	if ent.w != nil {
		h = ent.w.hub
	}
	hint.Store(h)
	return h, h.current
}

// onHub reports whether the caller runs on h's goroutines now.
func (h *Hub) onHub() bool { return h.curGoid.Load() == goid.Get() }

// CurrentHub returns the calling goroutine's hub, creating it if the
// goroutine has none. It returns nil only if the event loop cannot be
// created (the error is returned by the blocking calls then).
func CurrentHub() *Hub {
	h, _, err := ensureHub()
	if err != nil {
		return nil
	}
	h.pin()
	return h
}

// ensureHub returns the caller's hub and task, creating a hub for a
// goroutine that has none.
func ensureHub() (*Hub, *task, error) {
	if h, t := current(); h != nil {
		return h, t, nil
	}
	h, err := newHub(goid.Get(), true)
	if err != nil {
		return nil, nil, err
	}
	return h, h.current, nil
}

func newHub(owner int64, implicit bool) (*Hub, error) {
	l, err := loop.New(loop.Options{})
	if err != nil {
		return nil, err
	}
	h := &Hub{loop: l, owner: owner, stream: os.Stderr, implicit: implicit}
	h.main.hub = h
	// The goroutine keeps its local values (package local) when it gets a hub.
	if v, ok := plainLocals.LoadAndDelete(owner); ok {
		h.main.locals = *v.(*[]localEntry)
	}
	h.current = &h.main
	h.curGoid.StoreRelease(owner)
	registry.Store(owner, &ctxEntry{hub: h})
	hint.Store(h)
	h.startMonitorFromEnv()
	return h, nil
}

// Run runs fn on the calling goroutine as the main greenlet of a new hub,
// then destroys the hub: greenlets still alive are unwound (their blocking
// calls return ErrHubDestroyed and their deferred calls run) and the loop is
// closed. It returns ErrHubExists when the goroutine already owns a hub or is
// a greenlet, or the error of creating the event loop.
func Run(fn func()) error {
	if h, _ := current(); h != nil {
		return ErrHubExists
	}
	h, err := newHub(goid.Get(), false)
	if err != nil {
		return err
	}
	defer h.Destroy()
	fn()
	return nil
}

// RunCallback queues fn on the hub's FIFO, after the greenlets and callbacks
// already queued (gevent's loop.run_callback). Must be called from the hub.
// The returned Callback can stop the call before it runs.
func (h *Hub) RunCallback(fn func()) *Callback {
	c := &Callback{fn: fn}
	h.loop.Post(runCallback, c)
	return c
}

// Callback is a call queued by RunCallback.
type Callback struct {
	fn            func()
	stopped, done bool // hub-only
}

func runCallback(arg any) {
	c := arg.(*Callback)
	if c.stopped || c.done {
		return
	}
	c.done = true
	c.fn()
}

// Stop cancels the call if it has not run yet. Must be called from the hub.
func (c *Callback) Stop() { c.stopped = true }

// Pending reports whether the call is queued and not stopped. Must be called
// from the hub.
func (c *Callback) Pending() bool { return !c.stopped && !c.done }

// RunCallbackThreadsafe queues fn from any goroutine and wakes the hub.
func (h *Hub) RunCallbackThreadsafe(fn func()) error { return h.loop.RunCallbackThreadsafe(fn) }

// post queues fn(arg) on h from any goroutine: directly when the caller runs
// on h, through the thread-safe queue otherwise.
func (h *Hub) post(fn func(any), arg any) {
	if h.onHub() {
		h.loop.Post(fn, arg)
		return
	}
	// A destroyed hub drops the call: nothing is left to wake.
	_ = h.loop.PostThreadsafe(fn, arg)
}

// Join runs the hub's loop until nothing is left to do (gevent.wait() with no
// objects): no active referenced watcher and no queued callback. Must be
// called from the hub's owning goroutine outside of greenlets.
func (h *Hub) Join() error {
	if cur, t := current(); cur != h || t != &h.main {
		return ErrBlockingSwitchOut
	}
	if err := h.main.preempt(); err != nil {
		return err
	}
	h.inLoop, h.current = true, nil
	err := h.loop.Run(loop.RunDefault)
	h.inLoop, h.current = false, &h.main
	h.curGoid.StoreRelease(h.owner)
	return err
}

// Destroy unwinds every greenlet of the hub (greenlets not yet started die
// with ErrHubDestroyed without running), closes its loop and forgets the
// owning goroutine's hub, so that a later gevent call there creates a new one.
// Must be called from the owning goroutine outside of greenlets; other calls
// do nothing.
func (h *Hub) Destroy() {
	if cur, t := current(); cur != h || t != &h.main || h.destroyed.Load() {
		return
	}
	h.destroyed.Store(true)
	h.stopMonitor()
	for len(h.workers) > 0 {
		w := h.workers[len(h.workers)-1]
		h.workers = h.workers[:len(h.workers)-1]
		h.stopWorker(w)
	}
	h.free = nil
	// One last pass over the queued callbacks: greenlets spawned but not
	// started die with ErrHubDestroyed (their links run), and sockets queued
	// for closing are closed. Resumptions are dropped (resumeWaiter).
	h.inLoop, h.current = true, nil
	h.loop.Run(loop.RunNoWait)
	h.inLoop, h.current = false, &h.main
	h.curGoid.StoreRelease(h.owner)
	h.loop.Close()
	registry.Delete(h.owner)
	hint.CompareAndSwap(h, nil)
	// The goroutine keeps its local values when it loses its hub.
	if len(h.main.locals) > 0 {
		locals := h.main.locals
		plainLocals.Store(h.owner, &locals)
		h.main.locals = nil
	}
}

// parkMain runs the loop on the owning goroutine until w is delivered. When
// the loop runs out of work first, the hub marks itself idle and checks,
// after loopExitGrace and then less and less often, whether any goroutine of
// the process could still wake it (loopexit.go); when none can, w receives
// ErrLoopExit.
func (h *Hub) parkMain(w *Waiter) {
	h.mainWoken = false
	h.inLoop, h.current = true, nil
	defer h.clearIdle() // also when a greenlet's Goexit unwinds through Run
	var (
		timer *loop.Timer
		mark  *idleMark
		from  uint64        // h.nswitch when the hub was marked idle
		gap   time.Duration // the wait before the next check; 0: loopExitGrace
		buf   []byte        // goroutine dumps, kept across the checks
	)
	for !h.mainWoken {
		err := h.loop.Run(loop.RunDefault)
		if h.mainWoken {
			break
		}
		if err == nil && h.loop.Alive() {
			continue
		}
		if err == nil {
			if mark != nil && (h.nswitch != from || !h.idleSince(mark)) {
				// Work came while the timer ran: greenlets ran (check
				// soon again once it is over) or a post arrived.
				if h.nswitch != from {
					gap = 0
				}
				h.clearIdle()
				mark = nil
			}
			if mark == nil {
				if mark = h.markIdle(); mark == nil {
					continue // a post is waiting to be taken
				}
				from = h.nswitch
			} else if !h.checkLoopExit(mark, &buf) {
				gap = nextLoopExitGap(gap)
			} else {
				err = loopExitError(h.mainWaitFor)
			}
			if err == nil {
				if timer == nil {
					timer = h.loop.NewTimer(func() {})
				}
				h.loop.UpdateNow()
				timer.Start(cmp.Or(gap, loopExitGrace), 0)
				continue
			}
		}
		h.clearIdle()
		h.main.parkedOn = nil
		w.throw(err)
		break
	}
	h.clearIdle()
	if timer != nil {
		timer.Close()
	}
	h.inLoop, h.current = false, &h.main
	h.curGoid.StoreRelease(h.owner)
}

// idPool hands out small greenlet ids, the smallest free one first (gevent's
// minimal_ident).
type idPool struct {
	next uint64
	free []uint64 // min-heap
}

func (p *idPool) get() uint64 {
	if len(p.free) == 0 {
		p.next++
		return p.next
	}
	id := p.free[0]
	last := len(p.free) - 1
	p.free[0] = p.free[last]
	p.free = p.free[:last]
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(p.free) {
			break
		}
		if c+1 < len(p.free) && p.free[c+1] < p.free[c] {
			c++
		}
		if p.free[i] <= p.free[c] {
			break
		}
		p.free[i], p.free[c] = p.free[c], p.free[i]
		i = c
	}
	return id
}

func (p *idPool) put(id uint64) {
	p.free = append(p.free, id)
	for i := len(p.free) - 1; i > 0; {
		parent := (i - 1) / 2
		if p.free[parent] <= p.free[i] {
			break
		}
		p.free[parent], p.free[i] = p.free[i], p.free[parent]
		i = parent
	}
}
