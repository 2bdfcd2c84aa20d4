package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// This file is the one seam between the chat and its HTTP server.

// server is what the chat needs from an HTTP server.
type server interface {
	// Serve answers requests on l until Shutdown or Close.
	Serve(l net.Listener) error
	// Shutdown stops accepting and waits up to timeout for the requests in
	// flight.
	Shutdown(timeout time.Duration) error
	Close() error
}

// newServer returns the server for h with cfg's settings.
func newServer(cfg Config, h http.Handler, logger *slog.Logger) server {
	return &stdServer{s: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
}

// listen opens the listening socket for cfg.Addr.
func listen(addr string) (net.Listener, error) {
	return net.Listen("tcp", addr)
}

type stdServer struct{ s *http.Server }

func (s *stdServer) Serve(l net.Listener) error { return s.s.Serve(l) }

func (s *stdServer) Shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.s.Shutdown(ctx)
}

func (s *stdServer) Close() error { return s.s.Close() }
