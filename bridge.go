package gevent

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"time"
)

// BlockingContext is Blocking for functions that take a context.Context:
// the bridge through which any context-aware Go API (net/http's client,
// database/sql, gRPC, cloud SDKs) becomes cooperative and killable.
//
// Called from a greenlet (or a hub's owning goroutine), it runs fn on a
// worker goroutine with a context derived from ctx and parks only the
// caller until fn returns; the hub keeps running its other greenlets
// meanwhile. If the caller is killed or one of its Timeouts fires first,
// BlockingContext cancels fn's context, with the kill error or the
// *Timeout as its cause (context.Cause), and returns that error at once,
// without waiting for fn: fn is expected to notice the cancellation and
// return soon, and whatever it returns then is dropped. A kill or an
// expired Timeout that is already pending when BlockingContext is called
// is returned without running fn. A panic in fn is returned as a
// *PanicError.
//
// fn's context is also cancelled when fn returns, like every context that
// scopes one call (errgroup.WithContext, an http.Request's context in a
// handler), so nothing that needs it may outlive fn: an http.Response
// obtained inside fn must have its Body read and closed inside fn too
// (package httpclient does this for whole exchanges).
//
// Called from a goroutine without a hub, BlockingContext calls fn(ctx)
// directly (recovering a panic the same way). Called from a loop callback,
// it returns ErrBlockingSwitchOut. A nil ctx means context.Background().
//
// Unlike Blocking, whose workers are bounded by MaxBlockingWorkers,
// BlockingContext starts as many workers as there are calls in flight
// (idle workers are reused), because a context-aware function usually
// waits in Go's network poller and holds no thread: a bound would only
// make one slow call (a long poll, a streamed response) hold up the others.
func BlockingContext[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	h, t := current()
	if h == nil {
		return callRecoveredContext(ctx, fn)
	}
	var zero T
	if t == nil {
		return zero, ErrBlockingSwitchOut
	}
	if err := t.preempt(); err != nil {
		return zero, err
	}
	c := &bridgeCall[T]{fn: fn}
	c.w.hub, c.w.t = h, t
	c.w.ref = true // the worker is a waker from outside the hub
	c.ctx, c.cancel = context.WithCancelCause(ctx)
	// A hub destroyed under the wait unwinds it by panicking out of Wait:
	// the worker's context must not outlive the call then either. After a
	// normal return the context is cancelled already and this does nothing.
	defer c.cancel(ErrHubDestroyed)
	submitBridge(c)
	if err := c.w.Wait(); err != nil {
		c.cancel(err)
		return zero, err
	}
	return c.v, c.err
}

// bridgeCall is one BlockingContext call: the job a worker runs and the
// Waiter its caller parks on, in one allocation.
type bridgeCall[T any] struct {
	w      Waiter
	fn     func(context.Context) (T, error)
	ctx    context.Context
	cancel context.CancelCauseFunc
	v      T
	err    error
}

// errWorkerGoexit is returned for a function that called runtime.Goexit
// on a worker.
var errWorkerGoexit = errors.New("gevent: blocking function called runtime.Goexit")

func (c *bridgeCall[T]) run() {
	returned := false
	defer func() {
		if returned {
			return
		}
		// fn panicked (recovered here, and the worker goes on) or called
		// runtime.Goexit (the worker goroutine ends after this).
		if r := recover(); r != nil {
			c.err = &PanicError{Value: r, Stack: debug.Stack()}
		} else {
			c.err = errWorkerGoexit
		}
		c.cancel(nil)
		c.w.Switch()
	}()
	c.v, c.err = c.fn(c.ctx)
	returned = true
	c.cancel(nil)
	c.w.Switch()
}

func callRecoveredContext[T any](ctx context.Context, fn func(context.Context) (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return fn(ctx)
}

// bridgeJob is what a bridge worker runs.
type bridgeJob interface{ run() }

// bridgeIdleTimeout is how long an idle bridge worker waits for another
// job before its goroutine exits.
const bridgeIdleTimeout = 2 * time.Second

// bridgeWorkers holds the idle bridge workers, the most recently idle
// last: a new job goes to the worker whose stack is most likely still in
// cache, and the ones at the bottom time out first.
var bridgeWorkers struct {
	mu   sync.Mutex
	idle []*bridgeWorker
}

type bridgeWorker struct {
	jobs  chan bridgeJob // capacity 1: a hand-off never blocks the submitter
	timer *time.Timer
}

// submitBridge runs j on an idle worker, or on a new one.
func submitBridge(j bridgeJob) {
	p := &bridgeWorkers
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.jobs <- j
		return
	}
	p.mu.Unlock()
	go runBridgeWorker(j)
}

func runBridgeWorker(j bridgeJob) {
	w := &bridgeWorker{jobs: make(chan bridgeJob, 1)}
	p := &bridgeWorkers
	for {
		j.run()
		p.mu.Lock()
		p.idle = append(p.idle, w)
		p.mu.Unlock()
		if w.timer == nil {
			w.timer = time.NewTimer(bridgeIdleTimeout)
		} else {
			w.timer.Reset(bridgeIdleTimeout)
		}
		select {
		case j = <-w.jobs:
			continue
		case <-w.timer.C:
		}
		p.mu.Lock()
		for i, x := range p.idle {
			if x == w {
				last := len(p.idle) - 1
				copy(p.idle[i:], p.idle[i+1:])
				p.idle[last] = nil
				p.idle = p.idle[:last]
				p.mu.Unlock()
				return
			}
		}
		p.mu.Unlock()
		// A submitter took this worker off the list just as the timer
		// fired; its job is on the way.
		j = <-w.jobs
	}
}
