// Command geventhello is this project's httpserver.Server serving the shared handler of
// bench/http/internal/hello: the h1spec subject for ours (bench/http/h1spec.sh runs it with
// -echo, which examples/hello has no flag for). The load comparison runs examples/hello itself.
//
// Run: geventhello -addr 127.0.0.1:8086 [-hubs 1] [-echo]. SIGINT or SIGTERM stops it.
package main

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/bench/http/internal/hello"
	"github.com/geventgo/gevent/httpserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8086", "TCP address to listen on")
	hubs := flag.Int("hubs", 1, "hubs (one per OS thread)")
	echo := flag.Bool("echo", false, "answer every request with its body (for h1spec)")
	flag.Parse()

	srv := &httpserver.Server{Addr: *addr, Handler: hello.Handler(*echo), Hubs: *hubs}
	var err error
	rerr := gevent.Run(func() {
		for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
			h, herr := gevent.SignalHandler(sig, func() { srv.Shutdown(time.Second) })
			if herr != nil {
				err = herr
				return
			}
			defer h.Cancel()
		}
		err = srv.ListenAndServe()
	})
	if err == nil || err == httpserver.ErrServerClosed {
		err = rerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "geventhello:", err)
		os.Exit(1)
	}
}
