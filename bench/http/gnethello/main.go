// Command gnethello is the gnet v2 baseline of the HTTP comparison (bench/http/run.sh), in the
// style of gnet's own HTTP example: gnet has no HTTP layer, so OnTraffic splits the inbound
// bytes into requests itself (each ends at the blank line after its headers, plus a
// Content-Length body if one is announced), and answers every complete request with a
// prebuilt "200 OK" "Hello, World!" text/plain response carrying a cached Date, all the
// answers to one read in one write (pipelined requests in order). It does no validation:
// it is a floor for the cost of HTTP on an event loop, not an HTTP server (it is not run under
// h1spec). One event loop by default (-loops), TCP_NODELAY on.
//
// Run it single-threaded, as run.sh does: GOMAXPROCS=1 taskset -c 0 gnethello -addr 127.0.0.1:8084.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
)

// maxHeader is the most a request's head may take before the connection is closed.
const maxHeader = 64 << 10

type server struct {
	gnet.BuiltinEventEngine
	date atomic.Pointer[[]byte] // "Date: ...\r\n", refreshed by OnTick
	bufs sync.Pool              // *[]byte scratch space for the responses to one read
}

// OnTick refreshes the cached Date header once a second.
func (s *server) OnTick() (time.Duration, gnet.Action) {
	d := []byte("Date: " + time.Now().UTC().Format(http.TimeFormat) + "\r\n")
	s.date.Store(&d)
	return time.Second, gnet.None
}

var (
	head1 = []byte("HTTP/1.1 200 OK\r\nServer: gnethello\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n")
	head2 = []byte("\r\nHello, World!")
	crlf2 = []byte("\r\n\r\n")
	clKey = []byte("\ncontent-length:")
)

// OnTraffic answers every complete request buffered on c.
func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	in, _ := c.Peek(-1)
	bp, _ := s.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	out := (*bp)[:0]
	date := *s.date.Load()
	used := 0
	for {
		rest := in[used:]
		end := bytes.Index(rest, crlf2)
		if end < 0 {
			break
		}
		n := end + 4 + contentLength(rest[:end+2])
		if n > len(rest) {
			break // the body is not all here yet
		}
		used += n
		out = append(out, head1...)
		out = append(out, date...)
		out = append(out, head2...)
	}
	c.Discard(used)
	action := gnet.None
	if len(out) > 0 {
		if _, err := c.Write(out); err != nil {
			action = gnet.Close
		}
	}
	if c.InboundBuffered() > maxHeader {
		action = gnet.Close
	}
	*bp = out
	s.bufs.Put(bp)
	return action
}

// contentLength returns the Content-Length announced in a request head (which ends with
// CRLF), or 0.
func contentLength(h []byte) int {
	for i := 0; i+len(clKey) <= len(h); i++ {
		if h[i] != '\n' || !bytes.EqualFold(h[i:i+len(clKey)], clKey) {
			continue
		}
		v := h[i+len(clKey):]
		if j := bytes.IndexByte(v, '\r'); j >= 0 {
			v = v[:j]
		}
		n, err := strconv.Atoi(string(bytes.TrimSpace(v)))
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	return 0
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8084", "TCP address to listen on")
	loops := flag.Int("loops", 1, "event loops")
	flag.Parse()

	s := &server{}
	s.OnTick()
	err := gnet.Run(s, "tcp://"+*addr,
		gnet.WithMulticore(*loops > 1),
		gnet.WithNumEventLoop(*loops),
		gnet.WithReusePort(false),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithTicker(true),
		gnet.WithLogLevel(logging.ErrorLevel),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gnethello:", err)
		os.Exit(1)
	}
}
