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

func TestStreamOverTCP(t *testing.T) {
	type started struct {
		srv  *httpserver.Server
		addr net.Addr
	}
	ch := make(chan started, 1)
	done := make(chan error, 1)
	go func() {
		done <- run("127.0.0.1:0", io.Discard, func(s *httpserver.Server, a net.Addr) { ch <- started{s, a} })
	}()
	var st started
	select {
	case st = <-ch:
	case err := <-done:
		t.Fatal(err)
	}
	defer func() {
		st.srv.Close()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	c, err := net.Dial("tcp", st.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("TransferEncoding %v", resp.TransferEncoding)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html" {
		t.Errorf("Content-Type %q", ct)
	}
	// The first part arrives before the second is written.
	first := make([]byte, len("<p>Hello"))
	t0 := time.Now()
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "<p>Hello" {
		t.Fatalf("first part %q %v", first, err)
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "World</p>" {
		t.Fatalf("rest %q %v", rest, err)
	}
	if d := time.Since(t0); d < 50*time.Millisecond {
		t.Errorf("second part came %v after the first: not streamed", d)
	}
}
