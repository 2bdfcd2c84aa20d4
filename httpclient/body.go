package httpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// bufSize is the size of a body's buffer: what one read on a worker asks
// net/http for (io.Copy's buffer size).
const bufSize = 32 << 10

var bufPool = sync.Pool{New: func() any { return new([bufSize]byte) }}

var (
	errConcurrentRead = errors.New("httpclient: concurrent Read of a response body")
	errBodyClosed     = errors.New("httpclient: response body closed")
	errReadClosed     = errors.New("httpclient: read on closed response body")
)

// body is a response body whose Read and Close park only the calling
// greenlet. Reads from net/http happen on a worker, into the body's own
// buffer, from which Read copies: a Read abandoned by a kill or a timeout
// thus leaves nothing writing into the caller's slice after it returned.
// The first read is started as soon as the response arrives (in Do), so
// that a small body is usually in the buffer before anyone asks for it and
// reading it costs no hand-off at all.
type body struct {
	rc     io.ReadCloser
	cancel context.CancelCauseFunc // ends the request's context

	mu     sync.Mutex     // guards the fields below; never held across a park
	buf    *[bufSize]byte // nil once released to bufPool
	r, w   int            // buf[r:w] is unread
	err    error          // what rc returned after buf's data: io.EOF or a wrapped error
	fill   bool           // a worker is reading into buf
	reader bool           // a Read waits for that worker
	waiter *gevent.Waiter // the reader's Waiter, when it waits for Do's first read
	broken error          // a Read was interrupted: every later Read fails with it
	closed bool
}

// start sets b up for rc and starts the first read on a goroutine of its
// own.
func (b *body) start(rc io.ReadCloser, cancel context.CancelCauseFunc) {
	b.rc, b.cancel = rc, cancel
	b.buf = bufPool.Get().(*[bufSize]byte)
	b.fill = true
	go b.doFill()
}

// doFill reads once from rc into buf and wakes a waiting reader. It runs on
// a worker (or on a plain goroutine that reads), once fill has been set.
func (b *body) doFill() {
	n, err := b.rc.Read(b.buf[:])
	b.mu.Lock()
	b.r, b.w = 0, n
	if err != nil && err != io.EOF {
		err = fmt.Errorf("httpclient: reading response body: %w", err)
	}
	b.err = err
	b.fill = false
	w := b.waiter
	b.waiter = nil
	b.releaseIfDone()
	b.mu.Unlock()
	if w != nil {
		w.Switch()
	}
}

// releaseIfDone gives buf back to the pool once nothing more can be read
// into or out of it; b.mu is held.
func (b *body) releaseIfDone() {
	if b.buf != nil && !b.fill && (b.closed || b.broken != nil || (b.r == b.w && b.err != nil)) {
		bufPool.Put(b.buf)
		b.buf = nil
	}
}

// fillOnWorker runs doFill on a worker; it is what a greenlet's Read waits
// for.
func (b *body) fillOnWorker(context.Context) (struct{}, error) {
	b.doFill()
	return struct{}{}, nil
}

// fillFromGreenlet runs doFill on a worker, parking the calling greenlet.
func (b *body) fillFromGreenlet() error {
	waited := false
	defer func() {
		if !waited {
			// The hub is being destroyed under the wait: end the transfer.
			b.cancel(gevent.ErrHubDestroyed)
		}
	}()
	_, err := gevent.BlockingContext(context.Background(), b.fillOnWorker)
	waited = true
	return err
}

// waitFill waits for the worker that is filling buf to wake w.
func (b *body) waitFill(w *gevent.Waiter) error {
	waited := false
	defer func() {
		if !waited {
			b.cancel(gevent.ErrHubDestroyed)
		}
	}()
	err := w.Wait()
	waited = true
	return err
}

// Read reads from the response body, parking only the calling greenlet
// while it waits for data. It returns io.EOF at the end of the body. A Kill
// or Timeout of the caller ends it at once with that error and aborts the
// transfer (later Reads fail too); so does a Close from elsewhere, as with
// net/http. One Read may be in progress at a time; an overlapping one
// fails.
func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	for {
		switch {
		case b.broken != nil:
			err := b.broken
			b.mu.Unlock()
			return 0, err
		case b.closed:
			b.mu.Unlock()
			return 0, errReadClosed
		case b.r < b.w:
			n := copy(p, b.buf[b.r:b.w])
			b.r += n
			b.releaseIfDone()
			b.mu.Unlock()
			return n, nil
		case b.err != nil:
			err := b.err
			b.mu.Unlock()
			return 0, err
		case len(p) == 0:
			b.mu.Unlock()
			return 0, nil
		case b.reader:
			b.mu.Unlock()
			return 0, errConcurrentRead
		}
		hub, inCallback := hubapi.Here()
		if inCallback {
			b.mu.Unlock()
			return 0, fmt.Errorf("httpclient: reading response body: %w", gevent.ErrBlockingSwitchOut)
		}
		var err error
		b.reader = true
		if b.fill {
			// A worker is reading already (the first read, started by Do,
			// or another reader's): wait for it.
			w := gevent.NewWaiter()
			hubapi.SetRef(w, true)
			b.waiter = w
			b.mu.Unlock()
			err = b.waitFill(w)
			b.mu.Lock()
			if b.waiter == w {
				b.waiter = nil
			}
		} else {
			b.fill = true
			b.mu.Unlock()
			if hub == nil {
				b.doFill()
			} else {
				err = b.fillFromGreenlet()
			}
			b.mu.Lock()
		}
		b.reader = false
		if err != nil {
			// Killed or timed out: the worker may still be reading. Abort
			// the transfer so that its read returns.
			err = fmt.Errorf("httpclient: reading response body: %w", err)
			b.broken = err
			b.mu.Unlock()
			b.cancel(err)
			return 0, err
		}
	}
}

// Close closes the body and ends the request: an unread rest is discarded
// and the connection closed, as with net/http. Only the calling greenlet
// waits; once the body was read to its end, Close does not wait at all. A
// second Close returns nil.
func (b *body) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	atEOF := b.err == io.EOF && !b.fill
	b.releaseIfDone()
	b.mu.Unlock()

	hub, inCallback := hubapi.Here()
	var err error
	switch {
	case atEOF || hub == nil:
		// At the end of the body net/http's Close only marks it closed.
		err = b.rc.Close()
	case inCallback:
		// Nothing can park here, and net/http's early close talks to the
		// transport's goroutines: hand it to a goroutine of its own.
		b.cancel(errBodyClosed)
		go b.rc.Close()
		return nil
	default:
		var gerr error
		err, gerr = gevent.BlockingContext(context.Background(), func(context.Context) (error, error) {
			return b.rc.Close(), nil
		})
		if gerr != nil {
			b.cancel(gerr)
			return fmt.Errorf("httpclient: closing response body: %w", gerr)
		}
	}
	b.cancel(errBodyClosed)
	if err != nil {
		return fmt.Errorf("httpclient: closing response body: %w", err)
	}
	return nil
}
