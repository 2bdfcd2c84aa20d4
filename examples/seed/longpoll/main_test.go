package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/geventgo/gevent/httpserver"
)

func TestLongPollOverTCP(t *testing.T) {
	type started struct {
		srv  *httpserver.Server
		addr net.Addr
	}
	ch := make(chan started, 1)
	done := make(chan error, 1)
	go func() {
		done <- run("127.0.0.1:0", 20*time.Millisecond, io.Discard, func(s *httpserver.Server, a net.Addr) { ch <- started{s, a} })
	}()
	var st started
	select {
	case st = <-ch:
	case err := <-done:
		t.Fatal(err)
	}

	c, err := net.Dial("tcp", st.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /poll HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" || resp.TransferEncoding == nil {
		t.Errorf("Content-Type %q, TransferEncoding %v", ct, resp.TransferEncoding)
	}
	lines := bufio.NewReader(resp.Body)
	for i := range 3 {
		line, err := lines.ReadString('\n')
		if err != nil || line != "\"Hello World\"\n" {
			t.Fatalf("message %d: %q %v", i, line, err)
		}
	}
	// Shutdown cancels the waiting request, which ends its stream.
	if err := st.srv.Shutdown(5 * time.Second); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
	if _, err := io.ReadAll(lines); err != nil {
		t.Errorf("end of stream: %v", err)
	}
}
