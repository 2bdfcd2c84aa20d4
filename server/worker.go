package server

import (
	"errors"
	"net"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/socket"
	"golang.org/x/sys/unix"
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

// nextDelay returns the back-off delay that follows d (0 before the first
// error).
func nextDelay(d time.Duration) time.Duration { return min(max(2*d, minDelay), maxDelay) }

// acceptLoop accepts until the listener closes. While the hub's Pool is
// full it does not accept, so the listener is not watched. When accept fails
// for want of descriptors (EMFILE, ENFILE) the pending clients are shed (see
// shed) and the loop waits for the next one. Other accept errors (ENOBUFS…),
// and EMFILE when shedding is not possible, back off from 5 ms doubling to
// 1 s; a success resets the delay. The listener is not watched while backing
// off, so fd exhaustion never spins the CPU.
func (w *hubWorker) acceptLoop() {
	s := w.s
	maxAccept := s.MaxAccept
	if maxAccept <= 0 {
		maxAccept = 100
	}
	spare := openSpare()
	defer func() { closeSpare(spare) }()
	var delay time.Duration
	for {
		if err := w.slots.acquire(); err != nil {
			return
		}
		c, err := w.acceptOne(maxAccept)
		if err != nil {
			w.slots.release()
			if stopped(err) {
				return
			}
			if n, drained := w.shed(err, &spare, maxAccept); drained || n > 0 {
				s.logf("server: accept error: %v; closed %d pending connection(s)", err, n)
				// Out of descriptors, accept fails even with no client
				// pending: wait for one rather than retry.
				if drained && stopped(w.ln.WaitAccept()) {
					return
				}
				continue
			}
			delay = nextDelay(delay)
			s.logf("server: accept error: %v; retrying in %v", err, delay)
			if gevent.Sleep(delay) != nil {
				return
			}
			continue
		}
		delay = 0
		if spare < 0 {
			spare = openSpare()
		}
		w.spawnHandler(c)
	}
}

// emfileTrick enables shed; tests turn it off to see the back-off alone.
var emfileTrick = true

// openSpare opens the descriptor that shed gives up, or returns -1.
func openSpare() int {
	if !emfileTrick {
		return -1
	}
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

func closeSpare(fd int) {
	if fd >= 0 {
		unix.Close(fd)
	}
}

// shed is libuv's EMFILE trick (uv__emfile_trick): when accept fails for
// want of descriptors, it closes the spare one, accepts and closes at once
// up to limit pending connections, and takes the spare back, so that
// clients waiting in the backlog see their connection closed instead of
// hanging until descriptors free up. It returns how many it closed and
// whether it emptied the backlog; with neither (no spare, or another thread
// took the freed descriptor) the caller backs off.
func (w *hubWorker) shed(err error, spare *int, limit int) (n int, drained bool) {
	if *spare < 0 || !(errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE)) {
		return 0, false
	}
	closeSpare(*spare)
	for ; n < limit; n++ {
		c, err := w.ln.TryAccept()
		if err != nil || c == nil {
			drained = err == nil
			break
		}
		c.Close()
	}
	*spare = openSpare()
	return n, drained
}

// stopped reports whether an accept error means that the server stops:
// the listener was closed or the acceptor killed.
func stopped(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, gevent.ErrGreenletExit) ||
		errors.Is(err, gevent.ErrHubDestroyed)
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
	if hubapi.CurrentHubIfAny() == w.hub && !hubapi.InLoopCallback() {
		w.stopOnHub(timeout)
		return
	}
	if err := w.hub.RunCallbackThreadsafe(func() { gevent.Go(func() { w.stopOnHub(timeout) }) }); err != nil {
		// The hub was destroyed, and its acceptor and handlers with it.
		w.ln.Close()
		close(w.done)
	}
}

// stopOnHub runs on the worker's hub.
func (w *hubWorker) stopOnHub(timeout time.Duration) {
	defer close(w.done)
	w.ln.Close()
	// Kill, not Join: with the Pool full the acceptor waits for a slot, not
	// on the listener, and would only see the close once a handler returns.
	w.acceptor.Kill()
	if timeout < 0 {
		return
	}
	hs := w.handlerList()
	gevent.JoinAll(hs, gevent.Within(timeout))
	gevent.KillAll(hs, gevent.Within(time.Second))
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
