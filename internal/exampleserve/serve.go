// Package exampleserve holds what the example HTTP servers share: listening,
// announcing the address and stopping on SIGINT or SIGTERM.
package exampleserve

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/httpserver"
	"github.com/geventgo/gevent/socket"
)

// Serve listens on addr, prints "<name>: listening on <addr>" to log, calls
// ready (if not nil) with the server and its address, and serves until
// SIGINT or SIGTERM shuts the server down (in-flight requests get one
// second). It blocks the calling greenlet or hub owner and returns nil after
// a shutdown, or the error that ended serving.
func Serve(name string, srv *httpserver.Server, addr string, log io.Writer, ready func(*httpserver.Server, net.Addr)) error {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		h, err := gevent.SignalHandler(sig, func() { srv.Shutdown(time.Second) })
		if err != nil {
			return err
		}
		defer h.Cancel()
	}
	ln, err := socket.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "%s: listening on %v\n", name, ln.Addr())
	if ready != nil {
		ready(srv, ln.Addr())
	}
	if err := srv.Serve(ln); err != httpserver.ErrServerClosed {
		return err
	}
	return nil
}
