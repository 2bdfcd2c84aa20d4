package httpserver

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// reqCtx is a request's context. It is built into the response (no
// allocation per request unless somebody asks for Done) and cancelled when
// the handler returns, the client goes away, or the server shuts down. It
// implements AfterFunc, so that context.WithCancel and context.AfterFunc
// on it start no goroutine. It may be used from any goroutine.
type reqCtx struct {
	c      *conn // for LocalAddr; immutable
	mu     sync.Mutex
	done   chan struct{}
	err    error
	afters []*afterFunc
}

type afterFunc struct {
	fn   func()
	once sync.Once
}

var _ context.Context = (*reqCtx)(nil)

// Deadline reports no deadline.
func (x *reqCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done returns a channel closed when the context is cancelled.
func (x *reqCtx) Done() <-chan struct{} {
	x.mu.Lock()
	if x.done == nil {
		x.done = make(chan struct{})
		if x.err != nil {
			close(x.done)
		}
	}
	d := x.done
	x.mu.Unlock()
	return d
}

// Err returns context.Canceled once the context is cancelled, else nil.
func (x *reqCtx) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

// Value returns the connection's local address for http.LocalAddrContextKey
// (as net/http does), and nil for other keys.
func (x *reqCtx) Value(key any) any {
	if key == http.LocalAddrContextKey {
		return x.c.sc.LocalAddr()
	}
	return nil
}

// AfterFunc arranges for fn to run in its own goroutine once the context
// is cancelled (context.AfterFunc's contract; the context package uses it).
func (x *reqCtx) AfterFunc(fn func()) (stop func() bool) {
	a := &afterFunc{fn: fn}
	x.mu.Lock()
	if x.err != nil {
		x.mu.Unlock()
		a.once.Do(func() { go fn() })
		return func() bool { return false }
	}
	x.afters = append(x.afters, a)
	x.mu.Unlock()
	return func() bool {
		stopped := false
		a.once.Do(func() { stopped = true })
		if stopped {
			x.mu.Lock()
			for i, o := range x.afters {
				if o == a {
					x.afters = append(x.afters[:i], x.afters[i+1:]...)
					break
				}
			}
			x.mu.Unlock()
		}
		return stopped
	}
}

func (x *reqCtx) String() string { return "httpserver.requestContext" }

// cancel cancels the context; later calls do nothing.
func (x *reqCtx) cancel() {
	x.mu.Lock()
	if x.err != nil {
		x.mu.Unlock()
		return
	}
	x.err = context.Canceled
	if x.done != nil {
		close(x.done)
	}
	afters := x.afters
	x.afters = nil
	x.mu.Unlock()
	for _, a := range afters {
		a.once.Do(func() { go a.fn() })
	}
}
