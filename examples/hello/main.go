// Command hello is the HTTP benchmark program: an httpserver.Server serving
// a ServeMux that answers GET / with "Hello, World!" (text/plain). SIGINT or
// SIGTERM shuts it down gracefully.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/httpserver"
	"github.com/geventgo/gevent/socket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	hubs := flag.Int("hubs", 1, "number of hubs (one per OS thread, SO_REUSEPORT)")
	flag.Parse()
	if err := run(*addr, *hubs, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

// mux is the application: an unchanged net/http handler.
func mux() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "Hello, World!")
	})
	return m
}

// run serves on addr until SIGINT or SIGTERM and returns nil then, or the
// error that kept it from serving. It writes "hello: listening on ADDR" to
// log once it accepts.
func run(addr string, hubs int, log io.Writer) error {
	srv := &httpserver.Server{Addr: addr, Handler: mux(), Hubs: hubs}
	var err error
	if rerr := gevent.Run(func() { err = serve(srv, log) }); rerr != nil {
		return rerr
	}
	return err
}

func serve(srv *httpserver.Server, log io.Writer) error {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		h, err := gevent.SignalHandler(sig, func() { srv.Shutdown(5 * time.Second) })
		if err != nil {
			return err
		}
		defer h.Cancel()
	}
	var err error
	if srv.Hubs <= 1 {
		ln, lerr := socket.Listen("tcp", srv.Addr)
		if lerr != nil {
			return lerr
		}
		fmt.Fprintf(log, "hello: listening on %v with 1 hub(s)\n", ln.Addr())
		err = srv.Serve(ln)
	} else {
		// The hubs listen on goroutines of their own: report the address
		// once the first one is bound.
		g := gevent.Go(func() {
			for srv.LocalAddr() == nil {
				if gevent.Sleep(5*time.Millisecond) != nil {
					return
				}
			}
			fmt.Fprintf(log, "hello: listening on %v with %d hub(s)\n", srv.LocalAddr(), srv.Hubs)
		})
		err = srv.ListenAndServe()
		g.Kill()
	}
	if err != httpserver.ErrServerClosed {
		return err
	}
	return nil
}
