package server

import (
	"errors"
	"net"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

// finished returns a channel closed when the worker has stopped.
func (w *hubWorker) finished() chan struct{} { return w.done }

// startAccepting spawns the accept greenlet on the caller's hub.
func (w *hubWorker) startAccepting() {
	w.done = make(chan struct{})
	w.acceptor = gevent.Go(w.acceptLoop)
	w.acceptor.SetName("server.accept")
}

// Accept back-off bounds (net/http's tempDelay, gevent's min/max_delay).
const (
	minDelay = 5 * time.Millisecond
	maxDelay = time.Second
)

// acceptLoop accepts until the listener closes. While the hub's Pool is
// full it does not accept, so the listener is not watched. Accept errors
// (EMFILE, ENFILE, ENOBUFS…) back off from 5 ms doubling to 1 s; a success
// resets the delay. The listener is not watched while backing off, so fd
// exhaustion never spins the CPU.
func (w *hubWorker) acceptLoop() {
	s := w.s
	maxAccept := s.MaxAccept
	if maxAccept <= 0 {
		maxAccept = 100
	}
	var delay time.Duration
	for {
		if err := w.slots.acquire(); err != nil {
			return
		}
		c, err := w.acceptOne(maxAccept)
		if err != nil {
			w.slots.release()
			if errors.Is(err, net.ErrClosed) || errors.Is(err, gevent.ErrGreenletExit) ||
				errors.Is(err, gevent.ErrHubDestroyed) {
				return
			}
			delay = min(max(2*delay, minDelay), maxDelay)
			s.logf("server: accept error: %v; retrying in %v", err, delay)
			if gevent.Sleep(delay) != nil {
				return
			}
			continue
		}
		delay = 0
		w.spawnHandler(c)
	}
}

// acceptOne accepts one connection. It yields to the handlers every
// maxAccept connections accepted without waiting.
func (w *hubWorker) acceptOne(maxAccept int) (*socket.Conn, error) {
	w.accepted++
	if w.accepted%maxAccept == 0 {
		if err := gevent.Sleep(0); err != nil {
			return nil, err
		}
	}
	return w.ln.AcceptConn()
}

// spawnHandler runs the handler for c in a new greenlet of this hub.
func (w *hubWorker) spawnHandler(c *socket.Conn) {
	var g *gevent.Greenlet[struct{}]
	g = gevent.Go(func() {
		defer func() {
			delete(w.handlers, g)
			w.slots.release()
		}()
		w.serve(c)
	})
	w.handlers[g] = struct{}{}
}

func (w *hubWorker) serve(c *socket.Conn) {
	var conn net.Conn = c
	defer func() { conn.Close() }()
	if cfg := w.s.TLSConfig; cfg != nil {
		tc, err := socket.TLSServer(c, cfg)
		if err != nil {
			w.s.logf("server: TLS handshake from %v: %v", c.RemoteAddr(), err)
			return
		}
		conn = tc
	}
	w.s.Handler(conn)
}

// stop closes the listener and, when timeout >= 0, waits for the handlers
// and kills them after timeout. It may be called from any goroutine.
func (w *hubWorker) stop(timeout time.Duration) {
	if w.owned {
		w.stopTimeout = timeout
		w.quit.Switch()
		return
	}
	if gevent.CurrentHubIfAny() == w.hub && !gevent.InLoopCallback() {
		w.stopOnHub(timeout)
		return
	}
	w.hub.RunCallbackThreadsafe(func() { gevent.Go(func() { w.stopOnHub(timeout) }) })
}

// stopOnHub runs on the worker's hub.
func (w *hubWorker) stopOnHub(timeout time.Duration) {
	defer close(w.done)
	w.ln.Close()
	w.acceptor.Join()
	if timeout < 0 {
		return
	}
	hs := w.handlerList()
	gevent.JoinAll(hs, gevent.Within(timeout))
	gevent.KillAll(hs, nil, true, time.Second)
}

func (w *hubWorker) handlerList() []*gevent.Greenlet[struct{}] {
	hs := make([]*gevent.Greenlet[struct{}], 0, len(w.handlers))
	for g := range w.handlers {
		hs = append(hs, g)
	}
	return hs
}

// joinHandlers waits for every handler of the hub to return.
func (w *hubWorker) joinHandlers() {
	for len(w.handlers) > 0 {
		if _, err := gevent.JoinAll(w.handlerList()); err != nil {
			return
		}
	}
}
