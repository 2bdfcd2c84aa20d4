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
		h.curGoid.Store(w.goid)
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
		h.curGoid.Store(w.goid)
	}
	h.monitorSwitch(t.g)
	h.nswitch++
	w.finished = false
	w.next()
	h.current = nil
	h.curGoid.Store(back)
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
		h.curGoid.Store(w.goid)
	}
	w.stop()
	h.current = cur
	h.curGoid.Store(back)
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
		if tag == tagSleep0 {
			next = takeSleep0(arg.(*Waiter))
		} else {
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
			h.switchTo(next)
		}
	}
	h.nester, h.current = nil, t
	return false
}
