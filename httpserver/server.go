package httpserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/socket"
)

// ErrServerClosed is returned by Serve and ListenAndServe once Shutdown or
// Close has stopped the server. It is net/http's value, so that code written
// for http.Server's loop (err != http.ErrServerClosed) works unchanged.
var ErrServerClosed = http.ErrServerClosed

// Defaults of the Server fields.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 1 << 20
	DefaultMaxRequestLine    = 8 << 10
)

// maxDiscardBytes is how much of a request body the handler left unread
// the server reads and drops to keep the connection (net/http's
// maxPostHandlerReadBytes); beyond it the connection is closed.
const maxDiscardBytes = 256 << 10

// Server serves HTTP/1.1 and HTTP/1.0 to any http.Handler with one greenlet
// per connection on a hub's event loop (gevent.pywsgi.WSGIServer). The zero
// value with Handler set is ready to use; every field's default is safe for
// a server facing the Internet. A Server must not be copied once it serves,
// and it cannot be restarted after Shutdown or Close.
//
// Idle keep-alive connections hold no greenlet and no buffer: only their
// registration in the loop, until the next request arrives (TLS connections
// keep a greenlet parked on their read, since crypto/tls buffers input).
type Server struct {
	// Addr is the TCP address ListenAndServe listens on. Defaults to ":http"
	// (port 80 on every interface), as in net/http.
	Addr string
	// Handler answers the requests. Defaults to http.DefaultServeMux.
	Handler http.Handler
	// TLSConfig, if set, makes ListenAndServe and Serve speak HTTPS: every
	// connection completes its TLS handshake (within ReadHeaderTimeout)
	// before its first request is read. Only HTTP/1.1 is offered.
	TLSConfig *tls.Config

	// ReadHeaderTimeout bounds the time from the first byte of a request
	// (or the accept, for a new connection) to the end of its head: a
	// client sending headers slowly is disconnected, at most a quarter of
	// the timeout after it passes (one sweep per hub, not a timer per
	// connection). Defaults to 10 s; negative means no limit.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the time from the first byte of a request to the
	// end of its body. Defaults to 0, no limit (the handler reads the body
	// at its own pace).
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of a request's head to the
	// end of its response's writes. Defaults to 0, no limit (streaming and
	// long-polling responses last as long as they like).
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its next
	// request. Defaults to 120 s; negative means no limit.
	IdleTimeout time.Duration

	// MaxHeaderBytes bounds the header fields of a request (after the
	// request line); a larger head is answered 431. Defaults to 1 MiB.
	MaxHeaderBytes int
	// MaxRequestLine bounds the request line; a longer one is answered 414.
	// Defaults to 8 KiB (gevent's MAX_REQUEST_LINE).
	MaxRequestLine int
	// MaxBodyBytes bounds a request body: a larger Content-Length is
	// answered 413 without calling the handler, and a chunked body that
	// grows past it fails the handler's read with an *http.MaxBytesError
	// (the response is then 413 unless the handler wrote one) and closes
	// the connection. Defaults to 0, no limit (handlers can use
	// http.MaxBytesReader).
	MaxBodyBytes int64

	// MaxConns bounds the open connections of each hub, idle ones
	// included; while a hub is full it stops accepting and new clients wait
	// in the kernel's backlog (gevent's pool). Defaults to 0, no limit.
	MaxConns int
	// Hubs is the number of hubs ListenAndServe serves the address with:
	// with 1, the hub of the goroutine that calls it; with n > 1, n hubs on
	// goroutines of their own, each locked to an OS thread with its own
	// SO_REUSEPORT listener. Serve always uses the caller's hub. Defaults
	// to 1.
	Hubs int

	// ErrorLog receives handler panics, refused requests and accept
	// errors. Defaults to discarding them.
	ErrorLog *log.Logger
	// AccessLog, if set, receives one line per request in gevent.pywsgi's
	// format: client, time, request line, status, bytes sent (headers
	// included) and duration in seconds:
	//
	//	127.0.0.1 - - [2026-11-25 19:16:39] "GET /list HTTP/1.1" 200 113 0.000093
	//
	// Defaults to nil, no access log.
	AccessLog io.Writer
	// AccessLogger, if set, receives each request as an Info record with
	// the attributes client, request, status, bytes and duration. Defaults
	// to nil.
	AccessLogger *slog.Logger

	mu       sync.Mutex // guards the fields below
	hubs     []*hubState
	closed   bool
	addr     net.Addr
	handler  http.Handler // resolved at first Serve
	settings settings
}

// settings are the fields with their defaults applied.
type settings struct {
	readHeaderTimeout, readTimeout, writeTimeout, idleTimeout time.Duration
	maxHeaderBytes, maxRequestLine                            int
	maxBodyBytes                                              int64
}

func (s *Server) resolve() {
	if s.handler != nil {
		return
	}
	s.handler = s.Handler
	if s.handler == nil {
		s.handler = http.DefaultServeMux
	}
	st := settings{
		readHeaderTimeout: s.ReadHeaderTimeout,
		readTimeout:       max(s.ReadTimeout, 0),
		writeTimeout:      max(s.WriteTimeout, 0),
		idleTimeout:       s.IdleTimeout,
		maxHeaderBytes:    s.MaxHeaderBytes,
		maxRequestLine:    s.MaxRequestLine,
		maxBodyBytes:      max(s.MaxBodyBytes, 0),
	}
	switch {
	case st.readHeaderTimeout == 0:
		st.readHeaderTimeout = DefaultReadHeaderTimeout
	case st.readHeaderTimeout < 0:
		st.readHeaderTimeout = 0
	}
	switch {
	case st.idleTimeout == 0:
		st.idleTimeout = DefaultIdleTimeout
	case st.idleTimeout < 0:
		st.idleTimeout = 0
	}
	if st.maxHeaderBytes <= 0 {
		st.maxHeaderBytes = DefaultMaxHeaderBytes
	}
	if st.maxRequestLine <= 0 {
		st.maxRequestLine = DefaultMaxRequestLine
	}
	s.settings = st
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
	}
}

// LocalAddr returns the address the server listens on (the first one with
// several hubs), or nil before it listens.
func (s *Server) LocalAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ListenAndServe listens on Addr and serves until Shutdown or Close, with
// Hubs hubs. It blocks the caller, running its hub when Hubs ≤ 1, and
// returns ErrServerClosed once every connection has finished (net/http's
// returns when accepting stops; this one also waits for the connections,
// which need the caller's hub to run), or the error of the listen.
func (s *Server) ListenAndServe() error {
	addr := s.Addr
	if addr == "" {
		addr = ":http"
	}
	if n := max(s.Hubs, 1); n > 1 {
		return s.serveHubs(n, addr)
	}
	ln, err := socket.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// serveHubs runs n hubs on goroutines of their own.
func (s *Server) serveHubs(n int, addr string) error {
	done := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		ready := make(chan error, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // before the hub exists (RUNTIME_NOTES §3)
			defer runtime.UnlockOSThread()
			err := gevent.Run(func() {
				ln, err := socket.ListenConfig{ReusePort: true}.Listen("tcp", addr)
				if err != nil {
					ready <- err
					return
				}
				s.mu.Lock()
				if s.addr == nil {
					s.addr = ln.Addr()
				}
				s.mu.Unlock()
				ready <- nil
				if err := s.Serve(ln); err != ErrServerClosed {
					errs <- err
				}
			})
			if err != nil {
				select {
				case ready <- err:
				default:
				}
			}
		}()
		if err := <-ready; err != nil {
			s.Close()
			wg.Wait()
			return err
		}
		if i == 0 {
			addr = s.LocalAddr().String()
		}
	}
	go func() { wg.Wait(); close(done) }()
	if err := waitClosed(done); err != nil {
		return err
	}
	select {
	case err := <-errs:
		return err
	default:
	}
	return ErrServerClosed
}

// Serve accepts connections on ln and serves them on the caller's hub until
// Shutdown or Close; it then returns ErrServerClosed once the hub's
// connections have finished. ln is best a *socket.Listener; another
// listener (a *net.TCPListener, for one) is accepted on a goroutine of its
// own and its connections are moved onto the hub with socket.FromConn. ln
// is closed when Serve returns.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.resolve()
	if s.addr == nil {
		s.addr = ln.Addr()
	}
	hs := newHubState(s)
	s.hubs = append(s.hubs, hs)
	s.mu.Unlock()

	if sl, ok := ln.(*socket.Listener); ok {
		hs.ln = sl
		hs.acceptor = gevent.Go(hs.acceptLoop)
	} else {
		hs.other = ln
		go hs.acceptOther(ln)
	}
	if s.settings.idleTimeout > 0 || s.settings.readHeaderTimeout > 0 {
		hs.trims = true
		hs.sweeper = gevent.Go(hs.sweep)
	}
	if err := hs.quit.Wait(); err != nil {
		// The caller was killed: stop this hub's part at once.
		hs.stop(0)
		return err
	}
	return ErrServerClosed
}

// Shutdown stops the server gracefully: it stops accepting, closes idle
// connections, cancels the contexts of the requests in flight (their
// handlers may still write a response), closes each connection once its
// response is done, and waits up to timeout for all that. When timeout
// passes (at once if timeout ≤ 0) it closes the remaining connections and
// kills their greenlets. It returns nil when every connection finished in
// time, an error saying how many were cut otherwise, or ErrServerClosed if
// the server was already shut down. It may be called from any goroutine.
func (s *Server) Shutdown(timeout time.Duration) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.closed = true
	hubs := s.hubs
	s.mu.Unlock()
	for _, hs := range hubs {
		hs.post(func() { gevent.Go(func() { hs.stop(timeout) }) })
	}
	cut := 0
	for _, hs := range hubs {
		if err := waitClosed(hs.done); err != nil {
			return err
		}
		cut += hs.cut
	}
	if cut > 0 {
		return fmt.Errorf("httpserver: shutdown timed out; closed %d connection(s)", cut)
	}
	return nil
}

// Close closes the listeners and every connection at once (Shutdown(0)).
func (s *Server) Close() error {
	err := s.Shutdown(0)
	if err != nil && err != ErrServerClosed {
		return nil // connections were cut, as asked
	}
	return err
}

// waitClosed waits for ch to be closed: cooperatively in a greenlet or a
// hub's goroutine, plainly elsewhere.
func waitClosed(ch chan struct{}) error {
	select {
	case <-ch:
		return nil
	default:
	}
	if hubapi.CurrentHubIfAny() == nil {
		<-ch
		return nil
	}
	w := gevent.NewWaiter()
	hubapi.SetRef(w, true)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ch:
			w.Switch()
		case <-stop:
		}
	}()
	return w.Wait()
}

// hubState is the part of a server that runs on one hub. All its fields
// but done and cut are hub-only.
type hubState struct {
	s        *Server
	st       *settings
	hub      *gevent.Hub
	ln       *socket.Listener
	other    net.Listener
	acceptor *gevent.Greenlet[struct{}]
	sweeper  *gevent.Greenlet[struct{}]
	quit     *gevent.Waiter // Serve waits on it

	runq        connQueue // woken connections waiting for a runner (runner.go)
	parked      []*runner // runners waiting for the next batch
	drainer     *runner   // the runner on its way to runq, if any
	checkPosted bool      // a drainCheck is queued

	idle   connList // keep-alive connections without a greenlet, oldest first
	fresh  connList // new connections waiting for their first byte, oldest first
	active connList // connections with a greenlet
	nconns int

	slotWaiter *gevent.Waiter // the acceptor, waiting for MaxConns to allow one more
	drained    *gevent.Waiter // the stopper, waiting for nconns to reach 0
	stopping   bool

	free    []*buffers // spare buffers of this hub
	freeLow int        // the fewest spare buffers since the last trimFree
	trims   bool       // the sweeper runs trimFree

	done chan struct{} // closed when the hub's part has stopped
	cut  int           // connections closed by force; written before done is closed
}

func newHubState(s *Server) *hubState {
	hs := &hubState{s: s, st: &s.settings, hub: gevent.CurrentHub(), quit: gevent.NewWaiter(), done: make(chan struct{})}
	hubapi.SetRef(hs.quit, true)
	return hs
}

// post runs fn on the hub: at once when called from one of its greenlets,
// through its goroutine-safe queue otherwise.
func (hs *hubState) post(fn func()) {
	if h, cb := hubapi.Here(); h == hs.hub && !cb {
		fn()
		return
	}
	if hs.hub.RunCallbackThreadsafe(fn) != nil {
		// The hub is gone, and everything on it.
		select {
		case <-hs.done:
		default:
			close(hs.done)
		}
	}
}

// Accept back-off bounds (net/http's tempDelay).
const (
	minDelay = 5 * time.Millisecond
	maxDelay = time.Second
)

// acceptLoop accepts on a *socket.Listener until it is closed.
func (hs *hubState) acceptLoop() {
	var delay time.Duration
	for !hs.stopping {
		if !hs.waitSlot() {
			return
		}
		c, err := hs.ln.AcceptConn()
		if err != nil {
			if hs.stopping || errors.Is(err, net.ErrClosed) || errors.Is(err, gevent.ErrGreenletExit) || errors.Is(err, gevent.ErrHubDestroyed) {
				return
			}
			delay = min(max(2*delay, minDelay), maxDelay)
			hs.s.logf("httpserver: accept error: %v; retrying in %v", err, delay)
			if gevent.Sleep(delay) != nil {
				return
			}
			continue
		}
		delay = 0
		hs.startConn(c)
	}
}

// acceptOther accepts on a listener of another kind, on its own goroutine,
// and hands each connection to the hub.
func (hs *hubState) acceptOther(ln net.Listener) {
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			delay = min(max(2*delay, minDelay), maxDelay)
			hs.s.logf("httpserver: accept error: %v; retrying in %v", err, delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		if hs.hub.RunCallbackThreadsafe(func() {
			if hs.stopping || (hs.st != nil && hs.s.MaxConns > 0 && hs.nconns >= hs.s.MaxConns) {
				nc.Close()
				return
			}
			c, err := socket.FromConn(nc)
			if err != nil {
				hs.s.logf("httpserver: cannot serve %v: %v", nc.RemoteAddr(), err)
				nc.Close()
				return
			}
			hs.startConn(c)
		}) != nil {
			nc.Close()
			return
		}
	}
}

// waitSlot waits until MaxConns allows another connection; it returns false
// when the server stops meanwhile.
func (hs *hubState) waitSlot() bool {
	for max := hs.s.MaxConns; max > 0 && hs.nconns >= max; {
		w := gevent.NewWaiter()
		hs.slotWaiter = w
		err := w.Wait()
		hs.slotWaiter = nil
		if err != nil || hs.stopping {
			return false
		}
	}
	return true
}

// connClosed accounts for a connection that has closed or was hijacked.
func (hs *hubState) connClosed() {
	hs.nconns--
	if w := hs.slotWaiter; w != nil {
		hs.slotWaiter = nil
		w.Switch()
	}
	if hs.nconns == 0 && hs.drained != nil {
		hs.drained.Switch()
	}
}

// sweep closes the keep-alive connections that have been idle for longer
// than IdleTimeout, and the new ones that have sent nothing for
// ReadHeaderTimeout. It wakes every quarter of the shorter timeout, so a
// connection is closed between 1 and 1.25 of its timeout.
func (hs *hubState) sweep() {
	idle, fresh := hs.st.idleTimeout, hs.st.readHeaderTimeout
	tick := max(idle, fresh)
	if idle > 0 && fresh > 0 {
		tick = min(idle, fresh)
	}
	tick = max(tick/4, time.Millisecond)
	expire := func(l *connList, timeout time.Duration, now int64) {
		if timeout <= 0 {
			return
		}
		limit := now - int64(timeout)
		for c := l.head; c != nil && c.idleSince <= limit; c = l.head {
			c.closeIdle()
		}
	}
	for {
		if gevent.Sleep(tick) != nil {
			return
		}
		now := hs.now()
		expire(&hs.idle, idle, now)
		expire(&hs.fresh, fresh, now)
		hs.trimFree()
		if fresh > 0 {
			// Heads that take too long (a client sending slowly).
			limit := now - int64(fresh)
			for c := hs.active.head; c != nil; c = c.next {
				if c.readingHead && c.idleSince <= limit {
					c.readingHead = false
					c.sc.Close() // the greenlet's read fails and it closes
				}
			}
		}
	}
}

// now returns the loop's time in ns: cached per loop iteration, so many
// requests share one clock read. Hub-only.
func (hs *hubState) now() int64 { return hubapi.Loop(hs.hub).NowUnixNano() }

// stop shuts this hub's part down (see Shutdown); it runs in a greenlet of
// the hub.
func (hs *hubState) stop(timeout time.Duration) {
	if hs.stopping {
		return
	}
	hs.stopping = true
	if hs.ln != nil {
		hs.ln.Close()
	}
	if hs.other != nil {
		hs.other.Close()
	}
	if w := hs.slotWaiter; w != nil {
		hs.slotWaiter = nil
		w.Switch()
	}
	for hs.idle.head != nil {
		hs.idle.head.closeIdle()
	}
	for hs.fresh.head != nil {
		hs.fresh.head.closeIdle()
	}
	for c := hs.active.head; c != nil; c = c.next {
		c.shutdown()
	}
	if hs.nconns > 0 && timeout > 0 {
		hs.drained = gevent.NewWaiter()
		hs.drained.WaitTimeout(timeout)
		hs.drained = nil
	}
	for hs.idle.head != nil {
		hs.idle.head.closeIdle()
	}
	var gs []*gevent.Greenlet[struct{}]
	for c := hs.active.head; c != nil; c = c.next {
		hs.cut++
		c.rwc.Close()
		if c.g != nil {
			gs = append(gs, c.g)
		}
	}
	// Queued connections that no runner has taken yet.
	for c := hs.runq.pop(); c != nil; c = hs.runq.pop() {
		c.close()
	}
	for _, g := range gs {
		g.Kill()
	}
	for _, r := range slices.Clone(hs.parked) {
		r.g.Kill()
	}
	if hs.sweeper != nil {
		hs.sweeper.Kill()
	}
	if hs.acceptor != nil {
		hs.acceptor.Kill()
	}
	hs.quit.Switch()
	close(hs.done)
}
