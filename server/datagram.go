package server

import (
	"errors"
	"log"
	"net"
	"sync"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

// DatagramServer reads datagrams and calls Handler for each in a new
// greenlet (gevent.server.DatagramServer). It runs on the hub of the
// goroutine that calls Start or ServeForever.
type DatagramServer struct {
	// Network is "udp", "udp4", "udp6" or "unixgram". Defaults to "udp".
	Network string
	// Addr is the address to bind. Defaults to ":0".
	Addr string
	// Handler serves one datagram. data is the handler's own copy; reply
	// sends one datagram back to addr (replies are serialised, as gevent's
	// sendto is). Required.
	Handler func(data []byte, addr net.Addr, reply func([]byte) error)
	// MaxSize is the largest datagram read. Defaults to 8192, as in gevent.
	MaxSize int
	// ErrorLog receives read errors. Defaults to discarding them.
	ErrorLog *log.Logger

	mu     sync.Mutex // guards the fields below
	pc     *socket.PacketConn
	reader *gevent.Greenlet[struct{}]
	closed bool
	done   chan struct{}
	send   slots // serialises replies; hub-only
}

// Start binds the socket and starts reading; it returns at once.
func (s *DatagramServer) Start() error {
	if s.Handler == nil {
		return errors.New("server: DatagramServer.Handler is nil")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	if s.pc != nil {
		return nil
	}
	network, addr := s.Network, s.Addr
	if network == "" {
		network = "udp"
	}
	if addr == "" && network != "unixgram" {
		addr = ":0"
	}
	pc, err := socket.ListenPacket(network, addr)
	if err != nil {
		return err
	}
	s.pc = pc
	s.send.max = 1
	s.done = make(chan struct{})
	s.reader = gevent.Go(s.readLoop)
	return nil
}

func (s *DatagramServer) readLoop() {
	defer close(s.done)
	size := s.MaxSize
	if size <= 0 {
		size = 8192
	}
	buf := make([]byte, size)
	for {
		n, addr, err := s.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, gevent.ErrGreenletExit) ||
				errors.Is(err, gevent.ErrHubDestroyed) {
				return
			}
			if s.ErrorLog != nil {
				s.ErrorLog.Printf("server: datagram read error: %v", err)
			}
			continue
		}
		data := append([]byte(nil), buf[:n]...)
		gevent.Go(func() { s.Handler(data, addr, func(b []byte) error { return s.reply(b, addr) }) })
	}
}

func (s *DatagramServer) reply(b []byte, addr net.Addr) error {
	if err := s.send.acquire(); err != nil {
		return err
	}
	defer s.send.release()
	_, err := s.pc.WriteTo(b, addr)
	return err
}

// LocalAddr returns the bound address, or nil before Start.
func (s *DatagramServer) LocalAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pc == nil {
		return nil
	}
	return s.pc.LocalAddr()
}

// ServeForever starts the server if needed and waits until Close; it then
// returns ErrServerClosed.
func (s *DatagramServer) ServeForever() error {
	if err := s.Start(); err != nil {
		return err
	}
	if err := waitClosed(s.done); err != nil {
		return err
	}
	return ErrServerClosed
}

// Close closes the socket; running handlers go on, and their replies fail.
func (s *DatagramServer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	s.closed = true
	if s.pc == nil {
		return nil
	}
	return s.pc.Close()
}
