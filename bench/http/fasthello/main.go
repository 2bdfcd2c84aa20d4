// Command fasthello is the fasthttp baseline of the HTTP comparison (bench/http/run.sh):
// fasthttp's Server (a goroutine per connection, pooled request contexts and buffers; its own
// handler type, not http.Handler) answering GET / with "Hello, World!" as text/plain. With
// -echo every request is answered with its body instead (bench/http/h1spec.sh).
//
// Run it single-threaded, as run.sh does: GOMAXPROCS=1 taskset -c 0 fasthello -addr 127.0.0.1:8082.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/valyala/fasthttp"
)

var body = []byte("Hello, World!")

// serve answers GET (and HEAD) on any path with body, other methods with 405, as the
// ServeMux pattern "GET /" of the http.Handler servers does.
func serve(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		ctx.Error("Method Not Allowed", fasthttp.StatusMethodNotAllowed)
		return
	}
	ctx.SetContentType("text/plain")
	ctx.SetBody(body)
}

// echo answers any request with its body.
func echo(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain")
	ctx.SetBody(ctx.PostBody())
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "TCP address to listen on")
	echoMode := flag.Bool("echo", false, "answer every request with its body (for h1spec)")
	flag.Parse()

	h := serve
	if *echoMode {
		h = echo
	}
	srv := &fasthttp.Server{Handler: h, Name: "fasthello"}
	if err := srv.ListenAndServe(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "fasthello:", err)
		os.Exit(1)
	}
}
