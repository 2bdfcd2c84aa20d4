package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/httpserver"
	"github.com/geventgo/gevent/socket"
)

// This file is the one seam between the chat and its HTTP server, the
// module's httpserver: one greenlet per connection on a hub's event loop, so
// that every handler runs in the request's greenlet.

// runningServer is an HTTP server serving the chat on goroutines of its own.
type runningServer struct {
	srv  *httpserver.Server
	addr net.Addr
	done chan error // the result of serving, once it has stopped
}

// startServer listens on cfg.Addr and serves h until Shutdown or Close. It
// returns once the server accepts connections. With cfg.Hubs <= 1 the server
// runs on one hub (its own goroutine); with more, on cfg.Hubs hubs with one
// SO_REUSEPORT listener each.
func startServer(cfg Config, h http.Handler, logger *slog.Logger) (*runningServer, error) {
	rs := &runningServer{
		srv: &httpserver.Server{
			Addr:              cfg.Addr,
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
			Hubs:              cfg.Hubs,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
		done: make(chan error, 1),
	}
	hs := rs.srv
	if cfg.Hubs <= 1 {
		// The listener is made on the serving hub, which then owns it.
		listening := make(chan error, 1)
		go func() {
			rs.done <- runHub(func() error {
				ln, err := socket.Listen("tcp", cfg.Addr)
				if err != nil {
					listening <- err
					return nil
				}
				rs.addr = ln.Addr()
				listening <- nil
				return hs.Serve(ln)
			})
		}()
		if err := <-listening; err != nil {
			<-rs.done
			return nil, err
		}
		return rs, nil
	}
	go func() { rs.done <- runHub(hs.ListenAndServe) }()
	// The hubs listen on goroutines of their own: wait for the first one.
	for hs.LocalAddr() == nil {
		select {
		case err := <-rs.done:
			if err == nil {
				err = errors.New("stopped before listening")
			}
			return nil, err
		case <-time.After(5 * time.Millisecond):
		}
	}
	rs.addr = hs.LocalAddr()
	return rs, nil
}

// runHub runs serve as the main greenlet of a new hub on the calling
// goroutine and returns its error, nil once the server was shut down.
func runHub(serve func() error) error {
	var err error
	if rerr := gevent.Run(func() { err = serve() }); rerr != nil {
		return rerr
	}
	if errors.Is(err, httpserver.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits up to timeout for the requests in
// flight, then for the serving goroutine.
func (rs *runningServer) Shutdown(timeout time.Duration) error {
	err := rs.srv.Shutdown(timeout)
	if errors.Is(err, httpserver.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, rs.wait())
}

// Close closes the server at once.
func (rs *runningServer) Close() error {
	err := rs.srv.Close()
	if errors.Is(err, httpserver.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, rs.wait())
}

func (rs *runningServer) wait() error {
	err, ok := <-rs.done
	if !ok {
		return nil
	}
	close(rs.done)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
