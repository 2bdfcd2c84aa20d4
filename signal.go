package gevent

import (
	"errors"
	"os"

	"github.com/geventgo/gevent/internal/loop"
)

// SignalHandle is a handler installed by SignalHandler.
type SignalHandle struct {
	h *Hub
	w *loop.Signal
}

// SignalHandler runs fn in a new greenlet of the caller's hub each time the
// process receives sig (gevent.signal_handler). The handler does not keep
// the hub's loop alive. Must be called from a greenlet or a hub's owning
// goroutine (a hub is created for a plain goroutine).
func SignalHandler(sig os.Signal, fn func()) (*SignalHandle, error) {
	if fn == nil {
		return nil, errors.New("gevent: signal handler must not be nil")
	}
	h, _, err := ensureHub()
	if err != nil {
		return nil, err
	}
	h.pin() // the handler's watcher lives on h's loop
	w := h.loop.NewSignal(sig, func() { Go(fn) })
	w.SetRef(false)
	if err := w.Start(); err != nil {
		return nil, err
	}
	return &SignalHandle{h: h, w: w}, nil
}

// Cancel removes the handler. Must be called from the handler's hub.
func (s *SignalHandle) Cancel() { s.w.Close() }
