// Command stream is the gevent tutorial's streaming server (pywsgi with a
// WSGI application that yields its body in pieces): each piece is flushed
// as it is produced, so the client receives a chunked response part by
// part.
package main

import (
	"flag"
	"fmt"
	"github.com/geventgo/gevent/internal/exampleserve"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/httpserver"
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
	if rerr := gevent.Run(func() { err = exampleserve.Serve("stream", srv, addr, log, ready) }); rerr != nil {
		return rerr
	}
	return err
}
