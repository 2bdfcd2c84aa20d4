package httpserver

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBadInput sends each malformed request as raw bytes and checks the
// status and that the connection is closed (nothing after it is read as a
// request: no smuggling).
func TestBadInput(t *testing.T) {
	const host = "Host: a\r\n"
	smuggled := "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
	for _, tc := range []struct {
		name   string
		req    string
		status int
	}{
		{"no version", "GET / \r\n\r\n", 400},
		{"two words", "GET /\r\n\r\n", 400},
		{"extra space", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"bad method", "G(T / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"lowercase version", "GET / http/1.1\r\n" + host + "\r\n", 400},
		{"garbage prefix", "Extra lineGET / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"version 9.9", "GET / HTTP/9.9\r\n" + host + "\r\n", 505},
		{"version 2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", 505},
		{"CONNECT without port", "CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"CONNECT bad port", "CONNECT :A HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"CONNECT empty port", "CONNECT a: HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"CONNECT bad host", "CONNECT a%zz:80 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"relative target", "GET foo HTTP/1.1\r\n" + host + "\r\n", 400},
		{"control in target", "GET /a\x01b HTTP/1.1\r\n" + host + "\r\n", 400},
		{"long request line", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n" + host + "\r\n", 414},
		{"long request line unterminated", "GET /" + strings.Repeat("a", 9000), 414},
		{"missing host", "GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 400},
		{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"bad host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"CL and TE", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled, 400},
		{"TE and CL", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400},
		{"two Content-Lengths", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
		{"Content-Length list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 5\r\n\r\nhello", 400},
		{"negative Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1234\r\n\r\n", 400},
		{"overflowing Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: -123456789123456789123456789\r\n\r\n", 400},
		{"huge Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999\r\n\r\n", 400},
		{"non-numeric Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n", 400},
		{"plus Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\nhello", 400},
		{"bad chunk size", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400},
		{"chunk size overflow", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1000000000000000000005\r\nhello\r\n0\r\n\r\n", 400},
		{"chunk size with space", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", 400},
		{"chunk without CRLF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", 400},
		{"chunk bare LF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400},
		{"obs-fold", "GET / HTTP/1.1\r\n" + host + "X-A: b\r\n c\r\n\r\n", 400},
		{"obs-fold first", "GET / HTTP/1.1\r\n folded: x\r\n" + host + "\r\n", 400},
		{"bare LF in request line", "GET / HTTP/1.1\n" + host + "\r\n", 400},
		{"bare LF in header", "GET / HTTP/1.1\r\n" + "Host: a\n\r\n", 400},
		{"bare LF at end", "GET / HTTP/1.1\r\n" + host + "\n", 400},
		{"CR starting a line", "GET / HTTP/1.1\r\n" + host + "\rSome-Header: Test\r\n\r\n", 400},
		{"CR in value", "GET / HTTP/1.1\r\n" + host + "X-A: b\rc\r\n\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\n" + host + "X-A : b\r\n\r\n", 400},
		{"invalid header name", "GET / HTTP/1.1\r\n" + host + "X-Invalid[]: test\r\n\r\n", 400},
		{"empty header name", "GET / HTTP/1.1\r\n" + host + ": test\r\n\r\n", 400},
		{"no colon", "GET / HTTP/1.1\r\n" + host + "X-A\r\n\r\n", 400},
		{"control in value", "GET / HTTP/1.1\r\n" + host + "X-Bad: test\x07\r\n\r\n", 400},
		{"NUL in value", "GET / HTTP/1.1\r\n" + host + "X-Bad: a\x00b\r\n\r\n", 400},
		{"NUL in name", "GET / HTTP/1.1\r\n" + host + "X-B\x00ad: a\r\n\r\n", 400},
		{"NUL in target", "GET /\x00 HTTP/1.1\r\n" + host + "\r\n", 400},
		{"DEL in value", "GET / HTTP/1.1\r\n" + host + "X-Bad: a\x7fb\r\n\r\n", 400},
		{"TE gzip", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", 501},
		{"TE gzip, chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
		{"TE twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
		{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"headers too large", "GET / HTTP/1.1\r\n" + host + strings.Repeat("X-Filler: "+strings.Repeat("x", 1000)+"\r\n", 1100) + "\r\n", 431},
		{"unknown Expect", "GET / HTTP/1.1\r\n" + host + "Expect: magic\r\n\r\n", 417},
		{"fragment", "GET /a#b HTTP/1.1\r\n" + host + "\r\n", 400},
		{"star without OPTIONS", "GET * HTTP/1.1\r\n" + host + "\r\n", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := start(t, &Server{Handler: http.HandlerFunc(echoBody)})
			cl := dial(t, addr)
			cl.send(tc.req)
			resp, _ := cl.response("GET")
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if !resp.Close {
				t.Error("response does not say Connection: close")
			}
			if !cl.closed() {
				t.Error("connection left open")
			}
		})
	}
}

// TestGoodEdgeCases are requests a strict parser must still accept.
func TestGoodEdgeCases(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(echoBody)})
	for _, tc := range []struct{ name, req, body string }{
		{"tab before value and empty value", "GET / HTTP/1.1\r\nhoSt:\texample.com\r\nempty:\r\n\r\n", ""},
		{"empty value with space", "GET / HTTP/1.1\r\nHost: example.com\r\nX-Empty-Header: \r\n\r\n", ""},
		{"leading CRLF", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", ""},
		{"same Content-Length twice", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi", "hi"},
		{"chunked uppercase hex and ext", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\nA;name=\"v\"\r\n0123456789\r\n0\r\n\r\n", "0123456789"},
		{"absolute form", "GET http://a/x?y HTTP/1.1\r\nHost: a\r\n\r\n", ""},
		{"HTTP/1.0 no host", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", ""},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", ""},
		{"obs-text value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xe9\r\n\r\n", ""},
	} {
		cl := dial(t, addr)
		cl.send(tc.req)
		resp, body := cl.response("GET")
		if resp.StatusCode != 200 || body != tc.body {
			t.Errorf("%s: %d %q", tc.name, resp.StatusCode, body)
		}
	}
}

// TestPiecesNotAnsweredEarly sends h1spec's fragments of a request one by
// one: no answer comes before the request is whole.
func TestPiecesNotAnsweredEarly(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(hello)})
	cl := dial(t, addr)
	full := "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"
	for i := 1; i < len(full); i += 3 {
		cl.send(full[i-1 : min(i+2, len(full)-1)])
		if i+2 >= len(full)-1 {
			break
		}
	}
	if !cl.open() {
		t.Fatal("answered (or closed) before the request was complete")
	}
	cl.send(full[len(full)-1:])
	if resp, _ := cl.response("GET"); resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

// TestSlowHeadersClosed: a client that sends its head a byte at a time is
// disconnected at ReadHeaderTimeout.
func TestSlowHeadersClosed(t *testing.T) {
	const rht = 300 * time.Millisecond
	addr := start(t, &Server{ReadHeaderTimeout: rht, Handler: http.HandlerFunc(hello)})
	cl := dial(t, addr)
	t0 := time.Now()
	head := "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + strings.Repeat("x", 100)
	closed := make(chan time.Duration, 1)
	go func() {
		buf := make([]byte, 1)
		cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		cl.c.Read(buf)
		closed <- time.Since(t0)
	}()
	for i := 0; i < len(head); i++ {
		select {
		case d := <-closed:
			if d < rht {
				t.Fatalf("closed after %v", d)
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := cl.c.Write([]byte{head[i]}); err != nil {
			break
		}
	}
	if d := <-closed; d < rht || d > 9*time.Second {
		t.Fatalf("closed after %v", d)
	}
}

// TestStalledReaderDoesNotHoldTheHub: a client that stops reading a large
// response does not keep the hub from serving others.
func TestStalledReaderDoesNotHoldTheHub(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			for range 64 {
				if _, err := w.Write([]byte(big)); err != nil {
					return
				}
			}
			return
		}
		hello(w, r)
	})})
	stalled := dial(t, addr)
	stalled.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n") // and never read
	for range 3 {
		cl := dial(t, addr)
		cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		if _, body := cl.response("GET"); body != "Hello, World!" {
			t.Fatalf("%q", body)
		}
	}
}

// TestSilentConnectionClosed: a connection that sends nothing is closed at
// ReadHeaderTimeout, without ever getting a greenlet.
func TestSilentConnectionClosed(t *testing.T) {
	const rht = 200 * time.Millisecond
	addr := start(t, &Server{ReadHeaderTimeout: rht, Handler: http.HandlerFunc(hello)})
	cl := dial(t, addr)
	t0 := time.Now()
	if !cl.closed() {
		t.Fatal("silent connection left open")
	}
	if d := time.Since(t0); d < rht {
		t.Errorf("closed after %v", d)
	}
}
