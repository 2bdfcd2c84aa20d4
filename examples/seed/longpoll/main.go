// Command longpoll is the gevent tutorial's long-polling server: a producer
// greenlet puts a message into a Queue every second, and each client's
// request waits on the queue (with a timeout, after which it waits again)
// and streams every message it gets as a line of JSON.
package main

import (
	"encoding/json"
	"errors"
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
	"github.com/geventgo/gevent/queue"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	flag.Parse()
	if err := run(*addr, time.Second, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "longpoll:", err)
		os.Exit(1)
	}
}

// producer puts "Hello World" into q every interval until it is killed.
func producer(q *queue.Queue[string], interval time.Duration) {
	for {
		if q.Put("Hello World") != nil || gevent.Sleep(interval) != nil {
			return
		}
	}
}

// ajaxEndpoint streams the messages of q to the client, one JSON value per
// line, until the client goes away or the server shuts down. It waits at
// most 5 s per message, then waits again (gevent's Empty is ignored).
func ajaxEndpoint(q *queue.Queue[string]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		enc := json.NewEncoder(w)
		for r.Context().Err() == nil {
			datum, err := q.GetTimeout(5 * time.Second)
			if errors.Is(err, gevent.ErrTimeout) {
				continue
			}
			if err != nil {
				return
			}
			if enc.Encode(datum) != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

// run serves on addr until SIGINT or SIGTERM. ready, if not nil, is called
// with the server and its address once it listens.
func run(addr string, interval time.Duration, log io.Writer, ready func(*httpserver.Server, net.Addr)) error {
	var err error
	if rerr := gevent.Run(func() {
		q := queue.New[string](0)
		p := gevent.Go(func() { producer(q, interval) })
		defer p.Kill()
		srv := &httpserver.Server{Handler: ajaxEndpoint(q)}
		err = exampleserve.Serve("longpoll", srv, addr, log, ready)
	}); rerr != nil {
		return rerr
	}
	return err
}
