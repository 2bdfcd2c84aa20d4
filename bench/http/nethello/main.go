// Command nethello is the net/http baseline of the HTTP comparison (bench/http/run.sh): the
// standard library's http.Server (a goroutine per connection) serving the shared handler of
// bench/http/internal/hello. With -echo it serves the h1spec echo handler instead
// (bench/http/h1spec.sh).
//
// Run it single-threaded, as run.sh does: GOMAXPROCS=1 taskset -c 0 nethello -addr 127.0.0.1:8081.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/geventgo/gevent/bench/http/internal/hello"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "TCP address to listen on")
	echo := flag.Bool("echo", false, "answer every request with its body (for h1spec)")
	flag.Parse()

	srv := &http.Server{Addr: *addr, Handler: hello.Handler(*echo)}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "nethello:", err)
		os.Exit(1)
	}
}
