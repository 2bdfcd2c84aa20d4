package server

import (
	"crypto/tls"
	"errors"
	"log"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/socket"
)

// ErrServerClosed is returned by ServeForever after Stop or Close, and by
// Start on a closed server.
var ErrServerClosed = errors.New("server: closed")

// StreamServer accepts stream connections and calls Handler for each in a
// new greenlet (gevent.server.StreamServer). The zero value with Handler
// set serves TCP on a free port of every interface (Addr ":0"); see the
// field defaults. A StreamServer must not be copied after Start, and it
// cannot be restarted once stopped or closed.
//
// Go cannot have a field and a method both named Addr: the field is the
// address to listen on, and LocalAddr returns the bound address.
type StreamServer struct {
	// Network is "tcp", "tcp4", "tcp6" or "unix". Defaults to "tcp".
	Network string
	// Addr is the address to listen on. Defaults to ":0" (any free port).
	Addr string
	// Listener, if set, is served instead of listening on Addr (Hubs must
	// then be at most 1).
	Listener *socket.Listener
	// Handler serves one connection; the connection is closed when it
	// returns. Required.
	Handler func(net.Conn)
	// Pool bounds the handlers running at once on each hub; while a hub is
	// full it stops accepting, so new clients wait in the kernel's backlog.
	// Defaults to 0, no limit.
	Pool int
	// TLSConfig, if set, wraps every connection in TLS; the handshake
	// completes before Handler is called.
	TLSConfig *tls.Config
	// Backlog is listen(2)'s queue length. Defaults to SOMAXCONN.
	Backlog int
	// Hubs is the number of hubs serving the address. Defaults to 1: the
	// hub of the goroutine calling Start.
	Hubs int
	// MaxAccept bounds the connections accepted per readiness event before
	// the accept greenlet yields to the handlers. Defaults to 100.
	MaxAccept int
	// StopTimeout is how long Stop waits for handlers by default. Defaults
	// to 1 s.
	StopTimeout time.Duration
	// ErrorLog receives accept and handshake errors. Defaults to discarding
	// them.
	ErrorLog *log.Logger

	mu      sync.Mutex // guards the fields below
	started bool
	closed  bool
	workers []*hubWorker
	addr    net.Addr
	done    chan struct{} // closed when every hub has finished
}

// hubWorker is the part of a server that runs on one hub.
type hubWorker struct {
	s        *StreamServer
	hub      *gevent.Hub
	ln       *socket.Listener
	slots    slots
	handlers map[*gevent.Greenlet[struct{}]]struct{} // hub-only
	acceptor *gevent.Greenlet[struct{}]
	owned    bool // the hub was created by the server
	quit     *gevent.Waiter
	accepted int
	done     chan struct{}

	stopTimeout time.Duration // for owned hubs: set before quit is switched
}

func (s *StreamServer) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
	}
}

func (s *StreamServer) network() string {
	if s.Network == "" {
		return "tcp"
	}
	return s.Network
}

func (s *StreamServer) address() string {
	if s.Addr == "" && s.network() != "unix" {
		return ":0"
	}
	return s.Addr
}

// Start binds the listeners and starts accepting; it returns once the
// server accepts. With Hubs ≤ 1 the server runs on the caller's hub, which
// must keep running (block in a gevent call) for the server to make
// progress.
func (s *StreamServer) Start() error {
	if s.Handler == nil {
		return errors.New("server: StreamServer.Handler is nil")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	if s.started {
		return nil
	}
	n := max(s.Hubs, 1)
	if s.Listener != nil && n > 1 {
		return errors.New("server: Listener cannot be shared by several hubs")
	}
	// done is published only when Start succeeds: Stop after a failed
	// Start must not wait for it.
	done := make(chan struct{})
	if n == 1 {
		w, err := s.newWorker(s.Listener)
		if err != nil {
			return err
		}
		s.workers = []*hubWorker{w}
		s.addr = w.ln.Addr()
		w.startAccepting()
		go func() { <-w.finished(); close(done) }()
	} else if err := s.startHubs(n, done); err != nil {
		return err
	}
	s.done = done
	s.started = true
	return nil
}

// startHubs starts n hubs on goroutines locked to OS threads; the first
// binds the address, the others join it with SO_REUSEPORT. done is closed
// when they have all finished. On failure the hubs already started are
// stopped and the server is left as before.
func (s *StreamServer) startHubs(n int, done chan struct{}) error {
	var wg sync.WaitGroup
	results := make(chan error, n)
	addr := s.address()
	for i := range n {
		ready := make(chan *hubWorker, 1)
		go func() {
			runtime.LockOSThread() // before any greenlet is created (docs/runtime.md §2)
			defer runtime.UnlockOSThread()
			err := gevent.Run(func() {
				ln, err := socket.ListenConfig{Backlog: s.Backlog, ReusePort: true}.Listen(s.network(), addr)
				if err != nil {
					results <- err
					ready <- nil
					return
				}
				w, _ := s.newWorker(ln)
				w.owned = true
				w.quit = gevent.NewWaiter()
				hubapi.SetRef(w.quit, true)
				w.startAccepting()
				results <- nil
				ready <- w
				w.quit.Wait()
				w.stopOnHub(w.stopTimeout)
				w.joinHandlers() // Close leaves handlers running until they return
			})
			if err != nil {
				results <- err
				ready <- nil
			}
		}()
		w := <-ready
		if err := <-results; err != nil {
			for _, o := range s.workers {
				o.stop(-1)
			}
			s.workers, s.addr = nil, nil
			return err
		}
		if i == 0 {
			addr = w.ln.Addr().String()
			s.addr = w.ln.Addr()
		}
		s.workers = append(s.workers, w)
		wg.Add(1)
		go func() { <-w.finished(); wg.Done() }()
	}
	go func() { wg.Wait(); close(done) }()
	return nil
}

func (s *StreamServer) newWorker(ln *socket.Listener) (*hubWorker, error) {
	if ln == nil {
		var err error
		ln, err = socket.ListenConfig{Backlog: s.Backlog}.Listen(s.network(), s.address())
		if err != nil {
			return nil, err
		}
	}
	return &hubWorker{
		s:        s,
		hub:      gevent.CurrentHub(),
		ln:       ln,
		slots:    slots{max: s.Pool},
		handlers: make(map[*gevent.Greenlet[struct{}]]struct{}),
	}, nil
}

// LocalAddr returns the address the server listens on, or nil before Start.
func (s *StreamServer) LocalAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ServeForever starts the server if needed and waits until it is stopped
// or closed; it then returns ErrServerClosed, or the error of Start or of
// the wait (the caller's kill or Timeout).
func (s *StreamServer) ServeForever() error {
	if err := s.Start(); err != nil {
		return err
	}
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if err := waitClosed(done); err != nil {
		return err
	}
	return ErrServerClosed
}

// Close stops accepting and closes the listeners; running handlers go on.
// It does not wait.
func (s *StreamServer) Close() error { return s.shutdown(-1) }

// Stop stops accepting, closes the listeners, waits up to timeout (≤ 0:
// StopTimeout) for the handlers to return, then kills the rest and waits up
// to one more second for them (gevent's stop). It returns when the server
// has stopped.
func (s *StreamServer) Stop(timeout time.Duration) error {
	if timeout <= 0 {
		timeout = s.StopTimeout
		if timeout <= 0 {
			timeout = time.Second
		}
	}
	if err := s.shutdown(timeout); err != nil {
		return err
	}
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return nil
	}
	return waitClosed(done)
}

// shutdown closes the server; timeout < 0 leaves the handlers running.
func (s *StreamServer) shutdown(timeout time.Duration) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.closed = true
	workers := s.workers
	s.mu.Unlock()
	for _, w := range workers {
		w.stop(timeout)
	}
	return nil
}

// waitClosed waits for ch to be closed: cooperatively in a greenlet or a
// hub's goroutine, plainly elsewhere.
func waitClosed(ch chan struct{}) error {
	if hubapi.CurrentHubIfAny() == nil {
		<-ch
		return nil
	}
	select {
	case <-ch:
		return nil
	default:
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
