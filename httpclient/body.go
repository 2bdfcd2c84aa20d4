package httpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/geventgo/gevent"
)

// maxReadBuf bounds the buffer a body reads into on its worker.
const maxReadBuf = 64 << 10

// errConcurrentRead is returned by a Read that overlaps another one.
var errConcurrentRead = errors.New("httpclient: concurrent Read of a response body")

// body is a response body whose Read and Close park only the calling
// greenlet. A greenlet's Read runs on a worker into the body's own buffer
// and is copied out, so that a Read abandoned by a kill or timeout leaves
// nothing writing into the caller's slice after it returned.
type body struct {
	rc     io.ReadCloser
	cancel context.CancelCauseFunc // ends the request's context

	mu      sync.Mutex // guards the fields below; never held across a park
	reading bool       // a Read is in progress
	buf     []byte     // owned by the Read in progress, if any
	eof     bool       // rc returned io.EOF: Read and Close no longer block
	broken  error      // set when a Read was interrupted: later Reads fail
	closed  bool
}

// readResult is what one Read on a worker returns.
type readResult struct {
	n   int
	err error
}

// Read reads from the response body, parking only the calling greenlet
// while it waits for data. It returns io.EOF at the end of the body. A Kill
// or Timeout of the caller ends it at once with that error and aborts the
// transfer; so does a Close from elsewhere, as with net/http. One Read may
// be in progress at a time; an overlapping one fails.
func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	switch {
	case b.reading:
		b.mu.Unlock()
		return 0, errConcurrentRead
	case b.broken != nil:
		err := b.broken
		b.mu.Unlock()
		return 0, err
	case b.eof:
		b.mu.Unlock()
		return 0, io.EOF
	}
	b.reading = true
	n := min(len(p), maxReadBuf)
	if cap(b.buf) < n {
		b.buf = make([]byte, min(max(n, 2*cap(b.buf)), maxReadBuf))
	}
	buf := b.buf[:n]
	b.mu.Unlock()

	hub, inCallback := gevent.Here()
	var r readResult
	switch {
	case inCallback:
		r.err = gevent.ErrBlockingSwitchOut
	case hub == nil:
		// A plain goroutine reads straight into p: nobody can abandon it.
		buf = p
		r.n, r.err = b.rc.Read(p)
	default:
		var err error
		r, err = gevent.BlockingContext(context.Background(), func(context.Context) (readResult, error) {
			n, err := b.rc.Read(buf)
			return readResult{n, err}, nil
		})
		if err != nil {
			// The worker may still be reading into buf: leave it there,
			// and abort the transfer so that its read returns.
			b.cancel(err)
			err = fmt.Errorf("httpclient: reading response body: %w", err)
			b.mu.Lock()
			b.reading, b.buf, b.broken = false, nil, err
			b.mu.Unlock()
			return 0, err
		}
	}
	n = copy(p, buf[:r.n])
	b.mu.Lock()
	b.reading = false
	if r.err == io.EOF {
		b.eof = true
	}
	b.mu.Unlock()
	if r.err != nil && r.err != io.EOF {
		r.err = fmt.Errorf("httpclient: reading response body: %w", r.err)
	}
	return n, r.err
}

// Close closes the body and ends the request: an unread rest is discarded
// and its connection closed, as with net/http. Only the calling greenlet
// waits; after the body was read to its end, Close does not wait at all. A
// second Close returns nil.
func (b *body) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	eof := b.eof && !b.reading
	b.mu.Unlock()

	hub, inCallback := gevent.Here()
	var err error
	switch {
	case eof || hub == nil:
		// At the end of the body net/http's Close only marks it closed.
		err = b.rc.Close()
	case inCallback:
		// Nothing can park here; net/http's early close talks to the
		// transport's goroutines, so it goes to one of ours.
		go b.rc.Close()
		b.cancel(gevent.ErrBlockingSwitchOut)
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
	b.cancel(nil)
	if err != nil {
		return fmt.Errorf("httpclient: closing response body: %w", err)
	}
	return nil
}
