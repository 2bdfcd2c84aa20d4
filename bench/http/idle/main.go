// Command idle is the idle-connection client of the HTTP comparison (bench/http/run.sh
// --idle). It opens -conns keep-alive connections to -addr (64 dialers at a time), sends one
// "GET -path HTTP/1.1" request on each and reads the whole response (which must be a 200 that
// leaves the connection open), then leaves them silent and prints
//
//	{"idle_conns":N,"seconds":…}
//
// where seconds is the time the set-up took. It holds the connections open until stdin
// reaches EOF or it gets SIGINT/SIGTERM, then exits. (Give it a stdin that stays open, e.g. a
// FIFO.) It exits with status 1 and a message on stderr if a dial, request or response fails.
// Raise the open-file limit first (ulimit -n); Go raises its own soft limit to the hard one.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/geventgo/gevent/bench/internal/idleconn"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP server address")
	conns := flag.Int("conns", 10000, "idle connections to open and hold")
	path := flag.String("path", "/", "path of the one request on each connection")
	flag.Parse()

	held, err := holdIdle(*addr, *path, *conns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "idle:", err)
		os.Exit(1)
	}
	idleconn.WaitRelease()
	held.Close()
}

// holdIdle opens n connections, each after one request and its response, and prints the
// result. The connections stay open until the caller closes them.
func holdIdle(addr, path string, n int) (idleconn.Held, error) {
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench-idle\r\n\r\n")
	return idleconn.Hold(n, func() (net.Conn, error) { return dialRequest(addr, req) })
}

// dialRequest dials addr, writes req and reads the response, which must be a 200 with a body
// that is read to its end and a connection that stays open.
func dialRequest(addr string, req []byte) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(req); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
	case resp.StatusCode != http.StatusOK:
		err = fmt.Errorf("status %s, want 200 OK", resp.Status)
	case resp.Close:
		err = fmt.Errorf("the server closes the connection after the response")
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}
