// Command stream is the gevent tutorial's streaming server (pywsgi with a
// WSGI application that yields its body in pieces): each piece is flushed
// as it is produced, so the client receives a chunked response part by
// part.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/httpserver"
	"github.com/geventgo/gevent/socket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	flag.Parse()
	if err := run(*addr, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "stream:", err)
		os.Exit(1)
	}
}

// application writes "<p>Hello" and "World</p>" as two flushed parts, with
// a pause between them to show that the first arrives on its own.
func application(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	for i, part := range []string{"<p>Hello", "World</p>"} {
		if i > 0 && gevent.Sleep(100*time.Millisecond) != nil {
			return
		}
		if _, err := io.WriteString(w, part); err != nil {
			return
		}
		w.(http.Flusher).Flush()
	}
}

// run serves on addr until SIGINT or SIGTERM. ready, if not nil, is called
// with the server and its address once it listens.
func run(addr string, log io.Writer, ready func(*httpserver.Server, net.Addr)) error {
	srv := &httpserver.Server{Handler: http.HandlerFunc(application)}
	var err error
	if rerr := gevent.Run(func() { err = serve(srv, addr, log, ready) }); rerr != nil {
		return rerr
	}
	return err
}

func serve(srv *httpserver.Server, addr string, log io.Writer, ready func(*httpserver.Server, net.Addr)) error {
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
	fmt.Fprintf(log, "stream: listening on %v\n", ln.Addr())
	if ready != nil {
		ready(srv, ln.Addr())
	}
	if err := srv.Serve(ln); err != httpserver.ErrServerClosed {
		return err
	}
	return nil
}
