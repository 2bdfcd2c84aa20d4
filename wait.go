package gevent

import (
	"fmt"
	"github.com/geventgo/gevent/internal/hooks"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/geventgo/gevent/internal/options"
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
// or an object of this module used by h alone (its hubapi.Affinity). Waits
// on other objects keep the waiting hub alive, since another goroutine may
// wake them.
func onHubOf(obj any, h *Hub) bool {
	if h == nil {
		return false
	}
	if o, ok := obj.(interface{ hubOf() *Hub }); ok {
		return o.hubOf() == h // a comparison: no pin (release.go)
	}
	if o, ok := obj.(interface{ Hub() *Hub }); ok {
		return o.Hub() == h
	}
	return hooks.HomeOf != nil && hooks.HomeOf(obj) == any(h)
}

// Killable is a Waitable that KillAll and pool's groups can kill:
// *Greenlet and *pool.Group.
type Killable interface {
	Waitable
	Kill(opts ...Option) error
}

// Option modifies a waiting or killing call. Each function's documentation
// says which options it honours; the others are ignored.
//
//   - Within(d) bounds the wait (JoinAll, Wait, IWait, KillAll, Kill,
//     pool's Join and Kill); d <= 0 does not wait at all. Waiting forever
//     is the call without it.
//   - Count(n) stops after n ready objects (JoinAll, Wait, IWait).
//   - RaiseError() stops at the first failed greenlet and returns its error
//     (JoinAll, pool's Join).
//   - WithError(err) is the error a kill delivers instead of
//     ErrGreenletExit (Kill, KillAll, pool's Kill).
//   - NoBlock() returns once the kill is posted, without waiting for the
//     greenlets to finish (Kill, KillAll, pool's Kill).
type Option func(*options.Options)

// Within bounds a wait to d. A d <= 0 does not wait: the call takes what
// is ready now. See each function for what it returns when d passes.
func Within(d time.Duration) Option {
	return func(o *options.Options) { o.Timeout, o.HasTimeout = max(d, 0), true }
}

// Count stops waiting once n objects are ready; n <= 0 means all.
func Count(n int) Option { return func(o *options.Options) { o.Count = n } }

// RaiseError makes JoinAll return the error of the first greenlet, in
// completion order, that failed, and stop waiting there.
func RaiseError() Option { return func(o *options.Options) { o.RaiseError = true } }

// WithError makes a kill deliver err instead of ErrGreenletExit; nil keeps
// ErrGreenletExit.
func WithError(err error) Option { return func(o *options.Options) { o.Err = err } }

// NoBlock makes a kill return once it is posted, without waiting for the
// killed greenlets to finish.
func NoBlock() Option { return func(o *options.Options) { o.NoBlock = true } }

func makeOptions(opts []Option) options.Options {
	var o options.Options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// IWait yields the objects as they become ready, in completion order, each
// with a nil error; objects ready at the call come first, in input order
// (gevent.iwait). It honours Within and Count: iteration ends silently after
// Within's limit or Count objects. If the wait is interrupted (the caller is
// killed, an outer Timeout expires, ErrLoopExit), IWait yields one last pair,
// the zero G and that error, and ends. Leaving the loop early removes its
// links.
func IWait[G Waitable](objs []G, opts ...Option) iter.Seq2[G, error] {
	return func(yield func(G, error) bool) {
		if err := iwait(objs, makeOptions(opts), func(g G) bool { return yield(g, nil) }); err != nil {
			var zero G
			yield(zero, err)
		}
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
// any. Objects ready at the call are taken first without waiting, so that a
// call that need not block succeeds even under an expired Timeout.
func iwait[G Waitable](objs []G, o options.Options, yield func(G) bool) error {
	want := len(objs)
	if o.Count > 0 && o.Count < want {
		want = o.Count
	}
	seen := make([]bool, len(objs))
	n := 0
	for i, obj := range objs {
		if n == want {
			return nil
		}
		if obj.Ready() {
			seen[i] = true
			n++
			if !yield(obj) {
				return nil
			}
		}
	}
	if n == want {
		return nil
	}
	c := &collector{}
	ids := make([]LinkID, len(objs))
	here, t := current()
	ref := false
	for i, obj := range objs {
		if seen[i] {
			continue
		}
		ids[i] = obj.RawLink(func() { c.add(i) })
		ref = ref || !onHubOf(obj, here)
	}
	defer func() {
		for i, obj := range objs {
			if ids[i] != 0 {
				obj.Unlink(ids[i])
			}
		}
	}()
	var deadline time.Time
	if o.HasTimeout {
		deadline = time.Now().Add(o.Timeout)
	}
	what := func() string { return describeObjects(objs, seen) }
	for n < want {
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
		w.setRef(ref)
		if t != nil && t == &here.main {
			here.mainWaitFor = what
		}
		c.w = w
		c.mu.Unlock()
		d := time.Duration(-1)
		if o.HasTimeout {
			d = max(time.Until(deadline), 0)
		}
		ok, err := w.wait(d)
		if t != nil && t == &here.main {
			here.mainWaitFor = nil
		}
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
// (gevent.wait with objects). It honours Within and Count: it returns early,
// with a nil error, after Within's limit or Count objects. If the wait is
// interrupted (the caller's kill, an outer Timeout, ErrLoopExit) it returns
// the objects ready so far and that error.
func Wait[G Waitable](objs []G, opts ...Option) ([]G, error) {
	var done []G
	err := iwait(objs, makeOptions(opts), func(g G) bool {
		done = append(done, g)
		return true
	})
	return done, err
}

// JoinAll waits for the greenlets and returns the finished ones in
// completion order (gevent.joinall). It honours Within, Count and
// RaiseError. A Within limit ends the wait without an error. With
// RaiseError it stops at the first failed greenlet and returns its error.
// Otherwise the error is the one that interrupted the caller (a kill, a
// Timeout, ErrLoopExit). Greenlets that are already dead are taken without
// waiting, so JoinAll of dead greenlets succeeds even under an expired
// Timeout.
func JoinAll[G Waitable](gs []G, opts ...Option) ([]G, error) {
	o := makeOptions(opts)
	var done []G
	var failure error
	err := iwait(gs, o, func(g G) bool {
		done = append(done, g)
		if o.RaiseError {
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

// KillAll kills the objects (gevent.killall): those not started never run,
// and the running ones receive the kill error at their pending or next
// blocking call. It honours WithError (the error delivered, by default
// ErrGreenletExit), NoBlock (return once the kills are posted) and Within
// (wait at most d; d <= 0 does not wait). Without NoBlock it waits for all
// of them and returns nil, ErrTimeout if some survive Within's limit, or the
// error that interrupted the wait.
func KillAll[G Killable](gs []G, opts ...Option) error {
	o := makeOptions(opts)
	for _, g := range gs {
		g.Kill(WithError(o.Err), NoBlock())
	}
	if o.NoBlock {
		return nil
	}
	var wopts []Option
	if o.HasTimeout {
		wopts = append(wopts, Within(o.Timeout))
	}
	done, werr := JoinAll(gs, wopts...)
	if werr != nil {
		return werr
	}
	if len(done) < len(gs) {
		return ErrTimeout
	}
	return nil
}

// describeObjects names the objects of a wait that are not ready, for
// ErrLoopExit's message.
func describeObjects[G Waitable](objs []G, seen []bool) string {
	var names []string
	for i, obj := range objs {
		if seen[i] {
			continue
		}
		if len(names) == 3 {
			names = append(names, "…")
			break
		}
		if s, ok := any(obj).(fmt.Stringer); ok {
			names = append(names, s.String())
		} else {
			names = append(names, fmt.Sprintf("%T %p", obj, any(obj)))
		}
	}
	return "the wait for " + strings.Join(names, ", ")
}
