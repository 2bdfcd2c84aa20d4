// Command echo is an echo server on server.StreamServer: every connection
// gets a greenlet that writes back what it reads. It is the program the
// benchmarks in bench/echo load.
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
	if err := run(*addr, *hubs, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// echo copies c to itself until EOF or an error.
func echo(c net.Conn) {
	buf := make([]byte, 4<<10)
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

func run(addr string, hubs int, log io.Writer) error {
	srv := &server.StreamServer{Addr: addr, Hubs: hubs, Handler: echo}
	return gevent.Run(func() {
		if err := srv.Start(); err != nil {
			fmt.Fprintln(log, "echo:", err)
			os.Exit(1)
		}
		fmt.Fprintf(log, "echo: listening on %v with %d hub(s)\n", srv.LocalAddr(), max(hubs, 1))
		for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
			if _, err := gevent.SignalHandler(sig, func() { srv.Stop(0) }); err != nil {
				fmt.Fprintln(log, "echo:", err)
			}
		}
		srv.ServeForever()
	})
}
