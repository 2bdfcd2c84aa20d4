package gevent

// A greenlet runs on a worker: a Go runtime coroutine made with iter.Pull,
// the only switch the runtime offers outside of itself (runtime.coroswitch
// cannot be linknamed; see docs/runtime.md §1). The hub resumes a worker with
// next() and the worker parks by calling yield; each switch stays on the
// same M and P and costs about 50 ns. Workers are recycled: when a greenlet
// finishes, its worker yields and waits for the next greenlet, so spawning
// does not pay for a new goroutine.
//
// Direct switch: a greenlet that parks during the loop's callback phase
// runs the greenlet resumptions at the head of the hub's FIFO itself
// (task.runReady): it returns at once when its own comes first, and
// switches into another greenlet itself (nested, one level deep at most)
// instead of yielding to the hub so that the hub switches into it. The
// callbacks taken are those the hub would run next, in the same order and
// within the same switch interval, so only the switches are saved.
//
// Hazards of iter.Pull the hub guards against:
//   - a panic in the body is re-raised in the goroutine that called next, so
//     every greenlet body recovers inside the coroutine (greenlet.run);
//   - stop() makes the parked yield return false; park then panics with
//     errUnwind so that the greenlet's deferred calls run, and the body
//     returns without yielding again;
//   - runtime.Goexit in a body (t.FailNow) propagates to the goroutine that
//     called next: the hub's, or that of the greenlet running it nested,
//     which then ends too (as if it had called Goexit) and passes it on to
//     the hub's; such workers are dead and never reused;
//   - yield has no goroutine-identity check, so only the hub calls next and
//     only the worker's own greenlet calls park.

import (
	"iter"
	"time"

	"github.com/geventgo/gevent/internal/goid"
)

type worker struct {
	hub      *Hub
	next     func() (struct{}, bool)
	stop     func()
	yield    func(struct{}) bool
	t        *task // the greenlet being run; hub-only
	goid     int64
	index    int  // position in hub.workers
	finished bool // the current greenlet has returned
	stopped  bool // stop was called while the greenlet was parked
	dead     bool // the coroutine has ended
}

// errUnwind is the panic value that unwinds a greenlet whose worker is
// stopped.
type unwind struct{}

var errUnwind any = unwind{}

func (h *Hub) newWorker() *worker {
	w := &worker{hub: h, index: len(h.workers)}
	h.workers = append(h.workers, w)
	w.next, w.stop = iter.Pull(func(yield func(struct{}) bool) {
		w.yield = yield
		w.goid = goid.Get()
		registry.Store(w.goid, &ctxEntry{w: w})
		defer func() {
			registry.Delete(w.goid)
			w.dead = true
		}()
		h.curGoid.StoreRelease(w.goid)
		for {
			w.t.g.run()
			if w.stopped {
				return
			}
			w.finished = true
			if !yield(struct{}{}) {
				return
			}
		}
	})
	return w
}

// getWorker returns a free worker or a new one.
func (h *Hub) getWorker() *worker {
	if n := len(h.free); n > 0 {
		w := h.free[n-1]
		h.free[n-1] = nil
		h.free = h.free[:n-1]
		return w
	}
	return h.newWorker()
}

// switchTo resumes t's greenlet until it parks or finishes. Must be called
// from a loop callback of t's hub.
func (h *Hub) switchTo(t *task) {
	w := t.g.worker
	back := h.curGoid.Load() // the owner's, or the nesting greenlet's
	h.current = t
	if w.goid != 0 {
		h.curGoid.StoreRelease(w.goid)
	}
	h.monitorSwitch(t.g)
	h.nswitch++
	w.finished = false
	w.next()
	h.current = nil
	h.curGoid.StoreRelease(back)
	if w.finished || w.dead {
		t.g.worker = nil
		w.t = nil
		h.releaseWorker(w)
	}
}

// releaseWorker keeps a finished worker for reuse or ends it.
func (h *Hub) releaseWorker(w *worker) {
	if !w.dead && len(h.free) < maxFreeWorkers && !h.destroyed.Load() {
		h.free = append(h.free, w)
		return
	}
	h.removeWorker(w)
	h.stopWorker(w)
}

func (h *Hub) removeWorker(w *worker) {
	last := len(h.workers) - 1
	if w.index > last || h.workers[w.index] != w {
		return
	}
	h.workers[w.index] = h.workers[last]
	h.workers[w.index].index = w.index
	h.workers[last] = nil
	h.workers = h.workers[:last]
}

// stopWorker ends w's coroutine, unwinding a greenlet parked on it.
func (h *Hub) stopWorker(w *worker) {
	if w.dead {
		return
	}
	cur, back := h.current, h.curGoid.Load()
	if w.t != nil {
		w.stopped = true
		h.current = w.t
		h.curGoid.StoreRelease(w.goid)
	}
	w.stop()
	h.current = cur
	h.curGoid.StoreRelease(back)
}

// park suspends the calling greenlet until the hub resumes it: first, when
// it may, it runs the greenlets ready before it itself (runReady), and it
// returns at once if its own turn comes there.
func (t *task) parkGreenlet() {
	if h := t.hub; h.nester == nil && t.runReady() {
		return
	}
	if !t.g.worker.yield(struct{}{}) {
		panic(errUnwind)
	}
}

// runReady is the direct switch. The parking greenlet t takes the greenlet
// resumptions at the head of the hub's FIFO (loop.TakeTagged: only during
// the loop's callback phase, within its switch interval, before any Break)
// and does what the hub would do with each: it switches into that greenlet
// itself, which runs nested until it parks (a nested greenlet never nests
// further: h.nester is set) and then returns here, and it goes on with the
// next. It stops at the first callback of another kind, or at its own
// resumption: then it reports true and t resumes without any switch.
// Callbacks run in FIFO order, exactly those the hub would have run, so the
// order is the hub's; what it saves is the two switches per resumption
// through the hub's goroutine. Kills and Timeouts for t meanwhile queue its
// resumption as usual and it finds it in its turn.
func (t *task) runReady() bool {
	h := t.hub
	h.nester, h.current = t, nil
	for {
		arg, tag, ok := h.loop.TakeTagged()
		if !ok {
			break
		}
		var next *task
		switch tag {
		case tagSleep0:
			next = takeSleep0(arg.(*Waiter))
		case tagHandOff:
			next = takeHandOff(arg.(*task))
		default:
			next = takeResume(arg.(*Waiter))
		}
		switch next {
		case nil:
		case t:
			h.nester, h.current = nil, t
			h.monitorSwitch(t.g)
			h.nswitch++
			return true
		default:
			// h.switchTo(next), inlined (one frame less to return
			// through after the switch back); the goid to restore is t's.
			nw := next.g.worker
			h.current = next
			h.curGoid.StoreRelease(nw.goid)
			h.monitorSwitch(next.g)
			h.nswitch++
			nw.finished = false
			nw.next()
			h.current = nil
			h.curGoid.StoreRelease(t.g.worker.goid)
			if nw.finished || nw.dead {
				next.g.worker = nil
				nw.t = nil
				h.releaseWorker(nw)
			}
			if t.parkedOn == nil {
				// The greenlet took t's resumption, which was next, and
				// queued its own behind it (handOff): t's turn.
				h.nester, h.current = nil, t
				h.monitorSwitch(t.g)
				h.nswitch++
				return true
			}
		}
	}
	h.nester, h.current = nil, t
	return false
}

// claimFor is Switch for a waker, the task cur, that hands w's waiter an
// item under its object's lock and lets it run once it has released the
// lock (handOff). When w belongs to a greenlet of cur's hub it only marks w
// switched and reports deferred: the wake-up is the caller's to deliver,
// with handOff, and nothing else runs on the hub until then. Otherwise it is
// switchFrom.
func (w *Waiter) claimFor(cur *task) (ok, deferred bool) {
	if wt := w.t; wt == nil || wt.hub != cur.hub || wt.g == nil || w.ch != nil {
		return w.switchFrom(cur.hub), false
	}
	return w.state.CompareAndSwap(armed, switched), true
}

// tagHandOff tags resumeHandOff, the resumption of a task that handOff
// parked behind the greenlet it woke.
const tagHandOff = tagSleep0 + 1

// handOffWaiter is the Waiter a task parked by handOff is parked on: no
// one switches or throws it (a task passing through the hub is not
// interrupted), its resumption is the task's own FIFO entry.
var handOffWaiter Waiter

// resumeHandOff resumes t, parked by handOff, when its turn in the FIFO
// comes.
func resumeHandOff(arg any) {
	if t := takeHandOff(arg.(*task)); t != nil {
		t.hub.switchTo(t)
	}
}

// takeHandOff is takeResume for resumeHandOff.
func takeHandOff(t *task) *task {
	if t.parkedOn != &handOffWaiter {
		return nil
	}
	t.parkedOn = nil
	if t.hub.destroyed.Load() {
		return nil // its worker is gone
	}
	return t
}

// handOff (hooks.HandOff) delivers the wake-up of w that t claimed (claimFor) and, when
// yield is set, lets w's greenlet run before t resumes, as
// postResume(w) followed by t.passThrough() would: w's greenlet runs
// first, then t resumes behind it (anything w's greenlet queues comes
// after t), and kills and Timeouts for t meanwhile stay recorded for its
// next blocking call. When both resumptions would be the next callbacks of
// the hub's FIFO (it is empty) and the loop lets t take them (TakeDirect),
// t carries out the first one itself:
//   - t runs at the top of the hub (no greenlet is nesting, runReady): it
//     switches into w's greenlet, which runs nested until it parks, and
//     goes on at once;
//   - t runs nested in w's greenlet: it queues its own resumption, takes
//     w's greenlet's (the greenlet's runReady sees it and returns) and
//     parks, so that the greenlet goes on, as it would have after taking
//     its resumption from the FIFO.
func handOff(wa, ta any, yield bool) {
	w, t := wa.(*Waiter), ta.(*task)
	h := t.hub
	if next := w.t; yield && t.g != nil && next.parkedOn == w && !h.destroyed.Load() {
		switch h.nester {
		case nil:
			if h.loop.TakeDirect(2) {
				// runReady's switch into next, and t's own turn after it,
				// with switchTo inlined (one frame less to return through
				// after the switch back).
				next.parkedOn = nil
				h.nester = t
				nw := next.g.worker
				h.current = next
				h.curGoid.StoreRelease(nw.goid)
				h.monitorSwitch(next.g)
				h.nswitch++
				nw.finished = false
				nw.next()
				h.curGoid.StoreRelease(t.g.worker.goid)
				if nw.finished || nw.dead {
					next.g.worker = nil
					nw.t = nil
					h.releaseWorker(nw)
				}
				h.nester, h.current = nil, t
				h.monitorSwitch(t.g)
				h.nswitch++
				return
			}
		case next:
			if h.loop.TakeDirect(1) {
				next.parkedOn = nil
				h.loop.PostTagged(resumeHandOff, t, tagHandOff)
				// t.park(&handOffWaiter) while passing, in this frame.
				t.passing = true
				t.parkedOn = &handOffWaiter
				ok := t.g.worker.yield(struct{}{})
				t.parkedOn = nil
				t.passing = false
				if !ok {
					panic(errUnwind)
				}
				return
			}
		}
	}
	h.loop.PostTagged(resumeWaiter, w, tagResume)
	if yield {
		t.passThrough()
	}
}

// waitTaskHook is hooks.WaitTask: w.waitIn(t, d), and for a greenlet
// waiting without a limit and with no kill or Timeout to deliver, the same
// as waitTask and park do, in this one frame. The frames between a
// blocking call and the switch matter: each of them returns, after the
// switch back, to an address the processor did not predict.
func waitTaskHook(wa, ta any, d time.Duration) (bool, error) {
	w := wa.(*Waiter)
	t, _ := ta.(*task)
	if t == nil {
		return w.wait(d)
	}
	if d >= 0 || t.g == nil || w.t != t || w.ch != nil || t.killErr != nil ||
		t.pendingTimeout != nil || t.hub.destroyed.Load() {
		return w.waitIn(t, d)
	}
	if !w.Ready() {
		h := t.hub
		if w.ref {
			h.loop.Ref()
		}
		t.parkedOn = w
		if h.nester != nil || !t.runReady() {
			if !t.g.worker.yield(struct{}{}) {
				panic(errUnwind)
			}
		}
		t.parkedOn = nil
		if w.ref {
			h.loop.Unref()
		}
	}
	return w.result()
}
