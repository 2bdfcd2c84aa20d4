package gevent

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// MaxBlockingWorkers bounds the goroutines that run Blocking functions at
// once, process-wide (gevent's threadpool size is 10; Go goroutines are
// cheaper). Calls beyond it queue in FIFO order.
const MaxBlockingWorkers = 64

// blockingPool runs jobs on at most MaxBlockingWorkers goroutines; workers
// exit when the queue is empty.
var blockingPool struct {
	mu      sync.Mutex
	queue   []func()
	workers int
}

func submitBlocking(job func()) {
	p := &blockingPool
	p.mu.Lock()
	p.queue = append(p.queue, job)
	start := p.workers < MaxBlockingWorkers
	if start {
		p.workers++
	}
	p.mu.Unlock()
	if start {
		go blockingWorker()
	}
}

func blockingWorker() {
	p := &blockingPool
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.workers--
			p.mu.Unlock()
			return
		}
		job := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
		job()
	}
}

// Blocking runs fn, a plain blocking Go function (file I/O, a cgo call, a
// client library with its own goroutines), on a worker goroutine and parks
// only the calling greenlet until it returns (gevent's threadpool). The hub
// keeps running the other greenlets meanwhile. A panic in fn is returned as a
// *PanicError. If the caller is killed or times out first, Blocking returns
// that error at once; fn keeps running to its end and its result is dropped.
// Called from a goroutine without a hub, Blocking simply calls fn.
func Blocking[T any](fn func() (T, error)) (T, error) {
	h, t := current()
	if h == nil {
		return callRecovered(fn)
	}
	var zero T
	if t == nil {
		return zero, ErrBlockingSwitchOut
	}
	if err := t.preemptYield(); err != nil {
		return zero, err
	}
	res := &blockingResult[T]{w: NewWaiter()}
	res.w.setRef(true)
	submitBlocking(func() {
		res.v, res.err = callRecovered(fn)
		res.w.Switch()
	})
	runtime.Gosched() // run the worker now: see BlockingContext
	if err := res.w.Wait(); err != nil {
		return zero, err
	}
	return res.v, res.err
}

type blockingResult[T any] struct {
	w   *Waiter
	v   T
	err error
}

func callRecovered[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return fn()
}
