package httpserver

import (
	"runtime"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// A runner is a greenlet of a hub's pool that serves plain connections whose
// next request has come (woken by the loop), one after the other, instead of
// a greenlet spawned per wake-up: the loop queues the connections it finds
// readable on hubState.runq, and one runner serves the whole batch in one
// switch from the hub.
//
// A runner serving a connection blocks only when the handler (or a read of
// the request, or a write of the response) does; the connections still
// queued then need another runner. The runner that serves with a non-empty
// queue posts drainCheck first: a loop callback, which runs only once the
// loop has control again, that is once that runner has blocked or parked.
// If the queue is not empty then and no runner is on its way to it, it
// wakes a parked runner or starts a new one. So each connection in the queue
// is served as soon as the hub is free, as a spawned greenlet would be, and
// there are as many runners as handlers blocked at once, plus one.
//
// hubState.drainer is the runner that will take from the queue before it
// parks: a runner woken for the queue (switched, not yet running), or the
// one running it. A runner gives the role up while it serves a connection.
// The greenlet-local values (package local) a handler sets are dropped when
// its request is done (serveOne), so that a handler never sees another
// request's.
type runner struct {
	hs *hubState
	g  *gevent.Greenlet[struct{}]
	w  *gevent.Waiter // armed while parked
}

// maxParkedRunners bounds the runners kept parked for the next batch; the
// others end when they find nothing to do.
const maxParkedRunners = 4

// connQueue is a FIFO of connections.
type connQueue struct {
	q    []*conn
	head int
}

func (q *connQueue) push(c *conn) { q.q = append(q.q, c) }

func (q *connQueue) len() int { return len(q.q) - q.head }

func (q *connQueue) pop() *conn {
	if q.head == len(q.q) {
		return nil
	}
	c := q.q[q.head]
	q.q[q.head] = nil
	q.head++
	if q.head == len(q.q) {
		q.q, q.head = q.q[:0], 0
	}
	return c
}

// enqueue queues a woken connection for a runner. It runs in a loop
// callback.
func (hs *hubState) enqueue(c *conn) {
	hs.runq.push(c)
	if hs.drainer == nil {
		hs.kickRunner()
	}
}

// kickRunner makes a runner the drainer: a parked one, or a new one.
func (hs *hubState) kickRunner() {
	for n := len(hs.parked); n > 0; n = len(hs.parked) {
		r := hs.parked[n-1]
		hs.parked[n-1] = nil
		hs.parked = hs.parked[:n-1]
		if r.w.Switch() {
			hs.drainer = r
			return
		}
		// Killed meanwhile: it is on its way out.
	}
	r := &runner{hs: hs}
	hs.drainer = r
	r.g = gevent.Go(r.run)
}

// drainCheck is the loop callback that finds the queue without a runner
// when the one serving it has blocked.
func drainCheck(arg any) {
	hs := arg.(*hubState)
	hs.checkPosted = false
	if hs.drainer == nil && hs.runq.len() > 0 {
		hs.kickRunner()
	}
}

// run is the runner's body.
func (r *runner) run() {
	hs := r.hs
	defer func() {
		if hs.drainer == r {
			hs.drainer = nil
		}
		if hs.runq.len() > 0 && hs.drainer == nil {
			hs.kickRunner()
		}
	}()
	for {
		// hs.drainer == r
		for c := hs.runq.pop(); c != nil; c = hs.runq.pop() {
			if hs.runq.len() > 0 && !hs.checkPosted {
				hs.checkPosted = true
				hubapi.Loop(hs.hub).Post(drainCheck, hs)
			}
			hs.drainer = nil
			c.g = r.g
			c.serve()
			if hubapi.Checkpoint() != nil {
				return // killed
			}
			if hs.drainer != nil {
				break // another runner took the queue over while c's handler blocked
			}
			hs.drainer = r
		}
		if hs.drainer == r {
			hs.drainer = nil
		}
		// Let the Go scheduler run for a moment: the hub holds the P
		// while it has work, so the GC's background worker would rarely
		// run, and a collection would stay in its mark phase (write
		// barriers on, allocations black) across many batches.
		runtime.Gosched()
		if len(hs.parked) >= maxParkedRunners || hs.stopping {
			return
		}
		if r.w == nil {
			r.w = gevent.NewWaiter()
		} else {
			hubapi.Reset(r.w)
		}
		hs.parked = append(hs.parked, r)
		if r.w.Wait() != nil {
			// Killed while parked: nobody can make it the drainer now.
			for i, p := range hs.parked {
				if p == r {
					hs.parked = append(hs.parked[:i], hs.parked[i+1:]...)
					break
				}
			}
			return
		}
	}
}
