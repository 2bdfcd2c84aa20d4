// Command nbiohello is the nbio baseline of the HTTP comparison (bench/http/run.sh): nbio's
// nbhttp engine serving the shared http.Handler of bench/http/internal/hello on -loops
// pollers (default 1), with the handlers run on the poller that read the request
// (ServerExecutor calls them in place instead of handing them to a goroutine pool): the
// closest peer of an http.Handler server on one event loop. With -echo it serves the h1spec
// echo handler instead (bench/http/h1spec.sh).
//
// Run it single-threaded, as run.sh does: GOMAXPROCS=1 taskset -c 0 nbiohello -addr 127.0.0.1:8083.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/geventgo/gevent/bench/http/internal/hello"
	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8083", "TCP address to listen on")
	loops := flag.Int("loops", 1, "pollers (event loops)")
	echo := flag.Bool("echo", false, "answer every request with its body (for h1spec)")
	flag.Parse()

	logging.SetLevel(logging.LevelError)
	engine := nbhttp.NewEngine(nbhttp.Config{
		Network:        "tcp",
		Addrs:          []string{*addr},
		NPoller:        *loops,
		MaxLoad:        1 << 20, // the idle test holds 10,000 connections; the default is 10k
		Handler:        hello.Handler(*echo),
		ServerExecutor: func(f func()) { f() }, // handlers on the poller
	})
	if err := engine.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "nbiohello:", err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	engine.Stop()
}
