package httpserver

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/testcert"
)

func TestTLS(t *testing.T) {
	serverCfg, clientCfg := testcert.Configs(t)
	addr := start(t, &Server{TLSConfig: serverCfg, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || !r.TLS.HandshakeComplete {
			t.Error("request without TLS state")
		}
		hello(w, r)
	})})
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: clientCfg}}
	defer client.CloseIdleConnections()
	for range 3 { // the connection is kept alive between requests
		resp, err := client.Get("https://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "Hello, World!" {
			t.Fatalf("%d %q", resp.StatusCode, b)
		}
	}
	// A raw TLS client on a new connection is served too.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc := tls.Client(c, clientCfg)
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := tc.Write([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	if n, err := tc.Read(buf); err != nil || n == 0 {
		t.Fatalf("%d %v", n, err)
	}
}

// TestServeNetListener serves a listener of package net: connections are
// moved onto the hub.
func TestServeNetListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: http.HandlerFunc(hello)}
	done := make(chan error, 1)
	go func() {
		if err := gevent.Run(func() { done <- srv.Serve(ln) }); err != nil {
			done <- err
		}
	}()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "Hello, World!" {
		t.Errorf("%q", b)
	}
	client.CloseIdleConnections()
	if err := srv.Shutdown(5 * time.Second); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-done; err != ErrServerClosed {
		t.Errorf("Serve: %v", err)
	}
}

// TestListenAndServeHubs serves with two hubs of the server's own.
func TestListenAndServeHubs(t *testing.T) {
	srv := &Server{Addr: "127.0.0.1:0", Hubs: 2, Handler: http.HandlerFunc(hello)}
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe() }()
	deadline := time.Now().Add(10 * time.Second)
	for srv.LocalAddr() == nil {
		if time.Now().After(deadline) {
			t.Fatal("not listening")
		}
		time.Sleep(time.Millisecond)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for range 4 {
		cl := dial(t, srv.LocalAddr().String())
		cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		if _, body := cl.response("GET"); body != "Hello, World!" {
			t.Fatalf("%q", body)
		}
	}
	client.CloseIdleConnections()
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-done; err != ErrServerClosed {
		t.Errorf("ListenAndServe: %v", err)
	}
}
