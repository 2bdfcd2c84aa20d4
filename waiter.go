package gevent

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent/internal/atomicx"
	"github.com/geventgo/gevent/internal/goid"
	"github.com/geventgo/gevent/internal/loop"
)

// task is an execution context of a hub: a greenlet, or the goroutine that
// owns the hub (its "main greenlet"). All fields are hub-only.
type task struct {
	hub      *Hub
	g        *greenlet // nil for the owning goroutine
	parkedOn *Waiter   // the Waiter the task is parked on, if any

	killErr        error    // sticky: set by Kill
	pendingTimeout *Timeout // fired while the task was not parked
	shields        int32    // active Shield calls: kills are held while > 0
	passing        bool     // parked in passThrough: interrupts wait
	// holds counts the Waiters made by NewWaiter on the owner of an
	// implicit hub whose wait has not returned yet (Waiter.held): they
	// keep the hub from release.
	holds int

	timer  *loop.Timer  // for timed waits and Sleep; created on first use
	timerW *Waiter      // the Waiter the timer throws into
	sleepW Waiter       // reused by Sleep and Idle
	joinW  Waiter       // reused by joins on greenlets of the same hub
	listW  Waiter       // reused by waits on the module's objects (listWaiter)
	locals []localEntry // per-context slots (package local)
}

// Waiter states.
const (
	armed    int32 = iota // waiting for Switch or Throw
	switched              // woken by Switch
	throwing              // Throw is storing its error
	thrown                // woken by Throw
)

// errWaitTimedOut is thrown into a Waiter whose own WaitTimeout expired.
var errWaitTimedOut = errors.New("gevent: wait timed out")

var errWrongContext = errors.New("gevent: Waiter.Wait called from a context that did not create it")

// Waiter is the single park/unpark primitive every blocking object of this
// module is built on (gevent.hub.Waiter, trio's ParkingLot entry). A Waiter
// belongs to the context that created it: a greenlet, a hub's owning
// goroutine, or a plain goroutine without a hub; only that context may call
// Wait. A plain goroutine's Waiter stays its own when the goroutine gets a
// hub: Wait there runs the hub's loop meanwhile, as the hub's waits do, but
// without ErrLoopExit, as on the plain goroutine. Switch and Throw may be
// called from any goroutine, once the Waiter is shared with the party that
// will wake it. Exactly one of them succeeds per arming; the other reports
// false, which is how a waker learns that the waiter gave up (timeout,
// kill) and must not receive what was offered.
//
// A Waiter must not be copied after first use. Once woken it stays woken:
// a new wait needs a new Waiter.
type Waiter struct {
	state atomicx.Int32
	ref   bool          // keep the hub's loop alive while waiting
	err   error         // written before state becomes thrown
	t     *task         // the waiting task; nil for a plain goroutine
	hub   *Hub          // the task's hub; for a loop callback, with t nil
	ch    chan struct{} // wake-up of a plain goroutine
	held  bool          // counted in t.holds; owner-only
	// bridge is the Waiter of the hub's owner while it waits on a plain
	// goroutine's Waiter (ch) made before the goroutine had a hub
	// (waitChanOnHub); deliver switches it too.
	bridge atomic.Pointer[Waiter]
}

// NewWaiter returns an armed Waiter bound to the calling context. On the
// owning goroutine of a hub made implicitly for it (see the package
// documentation), the Waiter keeps that hub until a wait on it has
// returned: a Waiter that is never waited on keeps it for good.
func NewWaiter() *Waiter {
	w := &Waiter{}
	w.bind()
	if t := w.t; t != nil && t == &t.hub.main && t.hub.implicit {
		w.held = true
		t.holds++
	}
	return w
}

// unhold ends w's hold on its implicit hub (NewWaiter); the caller is the
// owner, whose wait on w has returned, or binds w anew.
func (w *Waiter) unhold() {
	if w.held {
		w.held = false
		w.t.holds--
	}
}

func (w *Waiter) bind() {
	w.unhold()
	w.hub, w.t = current()
	if w.hub == nil {
		if w.ch == nil {
			w.ch = make(chan struct{}, 1)
		}
	} else {
		w.ch = nil
	}
}

// reset re-arms a Waiter whose wait has ended (hubapi.Reset). A Waiter
// bound to a hub that has been destroyed since is bound again to the
// calling context: the goroutine is the same, its hub is new.
func (w *Waiter) reset() {
	if w.hub != nil && w.hub.destroyed.Load() {
		w.bind()
	}
	w.err = nil
	if w.ch != nil {
		select {
		case <-w.ch:
		default:
		}
	}
	w.state.Store(armed)
}

// setRef sets whether a waiting hub's loop counts the wait as work that
// keeps it alive (hubapi.SetRef).
func (w *Waiter) setRef(ref bool) { w.ref = ref }

// Ready reports whether Switch or Throw has woken the Waiter.
func (w *Waiter) Ready() bool {
	s := w.state.Load()
	return s == switched || s == thrown
}

// Switch wakes the Waiter without an error. It reports whether it did; false
// means the Waiter was woken already, by a Switch or by a Throw such as its
// own timeout. It never blocks and may be called from any goroutine.
func (w *Waiter) Switch() bool {
	if !w.state.CompareAndSwap(armed, switched) {
		return false
	}
	w.deliver()
	return true
}

// switchNow is Switch for the watchers of an event loop (hubapi.SwitchNow):
// called from a loop callback of the hub whose greenlet waits on w, it
// switches into that greenlet at once.
func (w *Waiter) switchNow() bool {
	if !w.state.CompareAndSwap(armed, switched) {
		return false
	}
	if t := w.t; t != nil && t.g != nil && t.hub.onHub() && t.hub.current == nil &&
		t.parkedOn == w && !t.hub.destroyed.Load() {
		t.parkedOn = nil
		t.hub.switchTo(t)
		return true
	}
	w.deliver()
	return true
}

// switchFrom is Switch for a waker that has looked up its hub already
// (hooks.SwitchFrom): h is the caller's hub, or nil when unknown or none.
// A waker on the waiting task's hub queues the resumption directly. A
// greenlet that runs nested in the waiting task's runReady, and wakes it
// when its resumption would be the next callback of the hub's FIFO, marks
// it resumed instead (as handOff does): runReady finds it so when the
// greenlet parks, and the task goes on then, where the FIFO would have
// resumed it.
func (w *Waiter) switchFrom(h *Hub) bool {
	t := w.t
	if h == nil || t == nil || t.hub != h || w.ch != nil {
		return w.Switch()
	}
	if !w.state.CompareAndSwap(armed, switched) {
		return false
	}
	if h.nester == t && t.parkedOn == w && !h.destroyed.Load() && h.loop.TakeDirect(1) {
		t.parkedOn = nil
		return true
	}
	h.loop.PostTagged(resumeWaiter, w, tagResume)
	return true
}

// listWaiter returns t's Waiter for waits on the module's objects
// (hooks.TaskWaiter, waitlist.ContextWaiter), bound to t and re-armed with
// SetRef(ref). Its previous wait must be over, with no waker left.
func (t *task) listWaiter(ref bool) *Waiter {
	w := &t.listW
	w.t, w.hub, w.ch = t, t.hub, nil
	w.ref = ref
	w.err = nil
	// A release store: the Waiter reaches its wakers only through a lock
	// or on its hub, after this store (hubapi.Ctx.Waiter).
	w.state.StoreRelease(armed)
	return w
}

// disarm ends an arming without a wait (hubapi.Disarm).
func (w *Waiter) disarm() bool { return w.state.CompareAndSwap(armed, switched) }

// Throw wakes the Waiter so that Wait returns err. It reports whether it did,
// as Switch does. It never blocks and may be called from any goroutine.
func (w *Waiter) Throw(err error) bool { return w.throw(err) }

func (w *Waiter) throw(err error) bool {
	if !w.state.CompareAndSwap(armed, throwing) {
		return false
	}
	w.err = err
	w.state.Store(thrown)
	w.deliver()
	return true
}

// deliver makes the waiting context run again.
func (w *Waiter) deliver() {
	if w.ch != nil {
		select {
		case w.ch <- struct{}{}:
		default:
		}
		// After the state change: waitChanOnHub publishes its bridge
		// before it looks at the state, so one of the two sees the other.
		if b := w.bridge.Load(); b != nil {
			b.Switch()
		}
		return
	}
	if w.t != nil {
		w.t.hub.postResume(w)
	}
}

// Tags of the loop callbacks that resume a task (loop.PostTagged), which a
// parking greenlet may carry out itself (task.runReady).
const (
	tagResume uint8 = 1 + iota // resumeWaiter
	tagSleep0                  // sleep0Wake
)

// postResume queues resumeWaiter(w) on h from any goroutine.
func (h *Hub) postResume(w *Waiter) {
	if h.onHub() {
		h.loop.PostTagged(resumeWaiter, w, tagResume)
		return
	}
	// A destroyed hub drops the call: nothing is left to wake.
	_ = h.loop.PostTaggedThreadsafe(resumeWaiter, w, tagResume)
}

// resumeWaiter runs on the waiter's hub and switches into its task if the
// task is still parked on it. Stale calls (the task already left this wait)
// do nothing.
func resumeWaiter(arg any) {
	if t := takeResume(arg.(*Waiter)); t != nil {
		t.hub.switchTo(t)
	}
}

// takeResume does resumeWaiter's work short of the switch: it returns the
// greenlet to switch into, or nil when there is none (a stale call, the
// owner woken by Break, a destroyed hub).
func takeResume(w *Waiter) *task {
	t := w.t
	if t.parkedOn != w || !w.Ready() {
		return nil
	}
	t.parkedOn = nil
	h := t.hub
	if h.destroyed.Load() && t.g != nil {
		return nil // its worker is gone
	}
	if t.g == nil {
		h.mainWoken = true
		h.loop.Break()
		return nil
	}
	return t
}

// Wait parks the calling context until Switch or Throw. It returns nil after
// Switch, the thrown error after Throw, and without parking:
// ErrGreenletExit (or the WithError error) for a killed greenlet, the Timeout
// that expired for the context, ErrBlockingSwitchOut in a loop callback, and
// ErrLoopExit on a hub's owning goroutine when nothing can wake it.
func (w *Waiter) Wait() error {
	_, err := w.wait(-1)
	return err
}

// WaitTimeout is Wait with a limit: it reports false, nil when d passes
// first (a negative d counts as zero). A Switch arriving at the same time as the
// limit wins if it came first.
func (w *Waiter) WaitTimeout(d time.Duration) (bool, error) {
	if d < 0 {
		d = 0
	}
	return w.wait(d)
}

func (w *Waiter) wait(d time.Duration) (bool, error) {
	if w.ch != nil {
		// A plain goroutine's Waiter: its goroutine may have a hub by now.
		switch h, t := current(); {
		case h == nil:
			return w.waitChan(d)
		case t == &h.main:
			return w.waitChanOnHub(t, d)
		case t != nil:
			return false, errWrongContext // a greenlet: another goroutine
		}
		// A loop callback of the goroutine's hub: as below.
	}
	t := w.t
	if t == nil {
		w.throw(ErrBlockingSwitchOut)
		return w.result()
	}
	if _, cur := current(); cur != t {
		if t.g == nil && t.hub.destroyed.Load() && t.hub.owner == goid.Get() && w.Ready() {
			// Woken, and its hub released or destroyed since: it stays woken.
			return w.result()
		}
		return false, errWrongContext
	}
	return w.waitTask(t, d)
}

// waitIn is wait for a caller that has looked up its context already
// (hooks.WaitTask): cur is the calling task, so that the check that w is
// the caller's costs no second look-up. d < 0 waits forever.
func (w *Waiter) waitIn(cur *task, d time.Duration) (bool, error) {
	if w.ch != nil || w.t == nil || w.t != cur {
		return w.wait(d)
	}
	return w.waitTask(cur, d)
}

// waitTask is wait for w bound to t, called by t.
func (w *Waiter) waitTask(t *task, d time.Duration) (bool, error) {
	if err := t.preemptYield(); err != nil {
		w.throw(err)
		w.unhold()
		return w.result()
	}
	if w.Ready() {
		w.unhold()
		return w.result()
	}
	if d >= 0 {
		t.startTimer(d, w)
	}
	t.park(w)
	if d >= 0 {
		t.timer.Stop()
	}
	w.unhold()
	return w.result()
}

// park suspends t until w is delivered.
func (t *task) park(w *Waiter) {
	h := t.hub
	if w.ref {
		h.loop.Ref()
	}
	t.parkedOn = w
	if t.g != nil {
		t.parkGreenlet()
	} else {
		h.parkMain(w)
	}
	t.parkedOn = nil
	if w.ref {
		h.loop.Unref()
	}
	if t.g == nil && h.implicit {
		h.releaseIfQuiet(w)
	}
}

func (w *Waiter) result() (bool, error) {
	switch w.state.Load() {
	case switched:
		return true, nil
	case thrown:
		if w.err == errWaitTimedOut {
			return false, nil
		}
		return false, w.err
	}
	return false, errors.New("gevent: Waiter woken in an impossible state")
}

func (w *Waiter) waitChan(d time.Duration) (bool, error) {
	if d < 0 || w.Ready() {
		w.awaitWake()
		return w.result()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-w.ch:
		w.ch <- struct{}{}
	case <-tm.C:
		// Either the throw succeeds or a waker won the race; in both cases
		// one delivery is on its way.
		w.throw(errWaitTimedOut)
		w.awaitWake()
	}
	return w.result()
}

// awaitWake waits for the wake-up of a plain goroutine's Waiter and leaves
// it in ch, so that a later Wait returns at once too: a woken Waiter stays
// woken (reset takes it out). One delivery per arming fills ch, so the
// put-back cannot block.
func (w *Waiter) awaitWake() {
	<-w.ch
	w.ch <- struct{}{}
}

// waitChanOnHub is waitChan for a Waiter made on a goroutine without a
// hub and waited on after the goroutine got one, by t, its owner: the wait
// runs the hub's loop, as the owner's waits do, so that its greenlets (the
// waker, maybe) run meanwhile. t parks on a Waiter of its own, which
// deliver switches; it counts as loop work (SetRef), for the waker may be
// another goroutine, and a plain goroutine's wait does not end with
// ErrLoopExit. A kill, a Timeout or the bound that ends t's wait first is
// thrown into w, as it would be into a Waiter of t.
func (w *Waiter) waitChanOnHub(t *task, d time.Duration) (bool, error) {
	b := &Waiter{t: t, hub: t.hub, ref: true}
	w.bridge.Store(b)
	if !w.Ready() {
		if ok, err := b.waitTask(t, d); !ok {
			if err == nil {
				err = errWaitTimedOut
			}
			w.throw(err) // unless a waker came first
		}
	}
	w.bridge.Store(nil)
	w.awaitWake() // the wake-up of whichever came first
	return w.result()
}

// preempt returns the error a blocking call of t must return at once: a
// kill, an expired Timeout, or a destroyed hub.
func (t *task) preempt() error {
	if t.killErr != nil && t.shields == 0 {
		return t.killErr
	}
	if pt := t.pendingTimeout; pt != nil && pt.depth >= t.shields {
		t.pendingTimeout = nil
		pt.pending = false
		return pt.value()
	}
	if t.hub.destroyed.Load() {
		return ErrHubDestroyed
	}
	return nil
}

// preemptYield is preempt for a blocking call: when the call must fail at
// once, the caller still passes through the hub, as Sleep(0) does, so that
// a loop that ignores the error (a killed greenlet retrying) yields to the
// other greenlets, timers and I/O instead of holding the hub forever.
func (t *task) preemptYield() error {
	err := t.preempt()
	if err != nil && !t.hub.destroyed.Load() {
		t.passThrough()
	}
	return err
}

// passThrough moves t to the tail of the hub's FIFO and parks it until its
// turn comes. Kills and Timeouts that arrive meanwhile are not thrown into
// this park: they stay recorded for t's next blocking call.
func (t *task) passThrough() {
	h := t.hub
	w := &t.sleepW
	w.t, w.hub = t, h
	w.reset()
	h.loop.PostTagged(sleep0Wake, w, tagSleep0)
	t.passing = true
	t.park(w)
	t.passing = false
}

// startTimer arms t's timer to throw errWaitTimedOut into w after d.
func (t *task) startTimer(d time.Duration, w *Waiter) {
	if t.timer == nil {
		t.timer = t.hub.loop.NewTimer(func() { t.timerW.throw(errWaitTimedOut) })
	}
	t.timerW = w
	t.hub.loop.UpdateNow()
	t.timer.Start(d, 0)
}

// interrupt delivers err to t at its current blocking call, or, when t is
// not parked, at its next one (for a Timeout) or every later one (for a
// kill, recorded by the caller).
func (t *task) interrupt(err error) bool {
	if w := t.parkedOn; w != nil && !t.passing {
		return w.throw(err)
	}
	return false
}
