// Command echo is an echo server on server.StreamServer: every connection
// gets a greenlet that writes back what it reads. It is the program the
// benchmarks in bench/echo load. SIGINT or SIGTERM stops it gracefully.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", "address to listen on")
	hubs := flag.Int("hubs", 1, "number of hubs (one per OS thread, SO_REUSEPORT)")
	flag.Parse()
	if err := run(*addr, *hubs, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// echo copies c to itself until EOF or an error.
func echo(c net.Conn) {
	buf := make([]byte, 16<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// run serves on addr with the given number of hubs until SIGINT or SIGTERM,
// or until the server is stopped otherwise; it returns nil then, or the
// error that kept it from serving. It writes the listening address to log.
// ready, if not nil, is called with the started server, on the server's
// goroutine: it must not block.
func run(addr string, hubs int, log io.Writer, ready func(*server.StreamServer)) error {
	srv := &server.StreamServer{Addr: addr, Hubs: hubs, Handler: echo}
	var err error
	if rerr := gevent.Run(func() { err = serve(srv, log, ready) }); rerr != nil {
		return rerr
	}
	return err
}

func serve(srv *server.StreamServer, log io.Writer, ready func(*server.StreamServer)) error {
	// Handlers first, so that a signal that follows the "listening" line
	// is never taken by the default action.
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		h, err := gevent.SignalHandler(sig, func() { srv.Stop(0) })
		if err != nil {
			return err
		}
		defer h.Cancel()
	}
	if err := srv.Start(); err != nil {
		return err
	}
	fmt.Fprintf(log, "echo: listening on %v with %d hub(s)\n", srv.LocalAddr(), max(srv.Hubs, 1))
	if ready != nil {
		ready(srv)
	}
	if err := srv.ServeForever(); err != server.ErrServerClosed {
		return err
	}
	return nil
}
