package gevent

import (
	"iter"
	"sync"
	"time"
)

// Waitable is an object a greenlet can wait for: Greenlet, and in other
// packages Event, AsyncResult and Semaphore (gevent's "linkable" protocol).
// RawLink registers fn to run once the object is ready, on whatever goroutine
// makes it ready (a hub callback for hub objects); it must be safe to call
// from any goroutine, and fn must not block.
type Waitable interface {
	Ready() bool
	RawLink(fn func()) LinkID
	Unlink(id LinkID)
}

// onHubOf reports whether obj is made ready by hub h only: a Greenlet of h,
// or any object with a Hub method that returns h. Waits on other objects
// keep the waiting hub alive, since another goroutine may wake them.
func onHubOf(obj any, h *Hub) bool {
	o, ok := obj.(interface{ Hub() *Hub })
	return ok && h != nil && o.Hub() == h
}

// Killable is a Waitable that KillAll can kill.
type Killable interface {
	Waitable
	KillWith(err error, block bool, timeout time.Duration)
}

// WaitOption modifies JoinAll, Wait and IWait.
type WaitOption func(*waitOptions)

type waitOptions struct {
	timeout    time.Duration // < 0: none
	count      int           // <= 0: all
	raiseError bool
}

// Within stops waiting after d; the objects finished so far are returned and
// no error is reported for the timeout (gevent's timeout argument).
func Within(d time.Duration) WaitOption {
	return func(o *waitOptions) { o.timeout = max(d, 0) }
}

// Count stops waiting once n objects are ready.
func Count(n int) WaitOption { return func(o *waitOptions) { o.count = n } }

// RaiseError makes JoinAll return the error of the first greenlet, in
// completion order, that failed, and stop waiting there.
func RaiseError() WaitOption { return func(o *waitOptions) { o.raiseError = true } }

func makeOptions(opts []WaitOption) waitOptions {
	o := waitOptions{timeout: -1}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// IWait yields the objects as they become ready, in completion order; ready
// ones come first, in input order (gevent.iwait). Leaving the loop early
// removes its links. Iteration ends after Within's limit, after Count
// objects, or when the wait fails (the caller is killed or times out); the
// caller's next blocking call reports a kill again, and JoinAll returns the
// error.
func IWait[G Waitable](objs []G, opts ...WaitOption) iter.Seq[G] {
	return func(yield func(G) bool) {
		iwait(objs, makeOptions(opts), yield)
	}
}

// collector gathers the indices of objects whose links fired.
type collector struct {
	mu    sync.Mutex
	ready []int
	w     *Waiter // armed while the consumer waits; guarded by mu
}

func (c *collector) add(i int) {
	c.mu.Lock()
	c.ready = append(c.ready, i)
	w := c.w
	c.w = nil
	c.mu.Unlock()
	if w != nil {
		w.Switch()
	}
}

// iwait is the body of IWait; it returns the error that ended the wait, if
// any.
func iwait[G Waitable](objs []G, o waitOptions, yield func(G) bool) error {
	c := &collector{}
	ids := make([]LinkID, len(objs))
	here, _ := current()
	ref := false
	for i, obj := range objs {
		ids[i] = obj.RawLink(func() { c.add(i) })
		ref = ref || !onHubOf(obj, here)
	}
	defer func() {
		for i, obj := range objs {
			obj.Unlink(ids[i])
		}
	}()
	var deadline time.Time
	if o.timeout >= 0 {
		deadline = time.Now().Add(o.timeout)
	}
	seen := make([]bool, len(objs))
	for n := 0; n < len(objs) && (o.count <= 0 || n < o.count); {
		c.mu.Lock()
		if len(c.ready) > 0 {
			i := c.ready[0]
			c.ready = c.ready[1:]
			c.mu.Unlock()
			if seen[i] {
				continue
			}
			seen[i] = true
			n++
			if !yield(objs[i]) {
				return nil
			}
			continue
		}
		w := NewWaiter()
		w.SetRef(ref)
		c.w = w
		c.mu.Unlock()
		d := time.Duration(-1)
		if o.timeout >= 0 {
			d = time.Until(deadline)
			if d < 0 {
				d = 0
			}
		}
		ok, err := w.wait(d)
		if err != nil || !ok {
			c.mu.Lock()
			c.w = nil
			c.mu.Unlock()
			return err
		}
	}
	return nil
}

// Wait waits for the objects and returns the ready ones in completion order
// (gevent.wait with objects). It returns early after Within's limit or Count
// objects, and when the caller's wait is interrupted.
func Wait[G Waitable](objs []G, opts ...WaitOption) []G {
	var done []G
	iwait(objs, makeOptions(opts), func(g G) bool {
		done = append(done, g)
		return true
	})
	return done
}

// JoinAll waits for the greenlets and returns the finished ones in
// completion order (gevent.joinall). A Within limit ends the wait without an
// error. With RaiseError it stops at the first failed greenlet and returns
// its error. Otherwise the error is the one that interrupted the caller (a
// kill, a Timeout, ErrLoopExit).
func JoinAll[G Waitable](gs []G, opts ...WaitOption) ([]G, error) {
	o := makeOptions(opts)
	var done []G
	var failure error
	err := iwait(gs, o, func(g G) bool {
		done = append(done, g)
		if o.raiseError {
			if e, ok := any(g).(interface{ Err() error }); ok && e.Err() != nil {
				failure = e.Err()
				return false
			}
		}
		return true
	})
	if failure != nil {
		return done, failure
	}
	return done, err
}

// KillAll kills the objects with err (nil means ErrGreenletExit): those not
// started never run, and the running ones receive the error at their
// pending or next blocking call (gevent.killall). With block it then waits
// for all of them, at most timeout when timeout >= 0, and returns ErrTimeout
// if some survive, or the error that interrupted the wait.
func KillAll[G Killable](gs []G, err error, block bool, timeout time.Duration) error {
	for _, g := range gs {
		g.KillWith(err, false, 0)
	}
	if !block {
		return nil
	}
	opts := []WaitOption{}
	if timeout >= 0 {
		opts = append(opts, Within(timeout))
	}
	done, werr := JoinAll(gs, opts...)
	if werr != nil {
		return werr
	}
	if len(done) < len(gs) {
		return ErrTimeout
	}
	return nil
}
