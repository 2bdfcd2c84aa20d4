package httpserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// memConn is a net.Conn reading from a fixed input and discarding output.
type memConn struct {
	in string
}

func (m *memConn) Read(p []byte) (int, error) {
	if m.in == "" {
		return 0, io.EOF
	}
	n := copy(p, m.in)
	m.in = m.in[n:]
	return n, nil
}
func (m *memConn) Write(p []byte) (int, error)      { return len(p), nil }
func (m *memConn) Close() error                     { return nil }
func (m *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (m *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

// readRequests parses every request of in, reading each body to its end,
// as the server would; it returns the requests and the error that stopped
// it (io.EOF at a clean end).
func readRequests(in string, st *settings) ([]*http.Request, error) {
	s := &Server{}
	s.resolve()
	if st != nil {
		s.settings = *st
	}
	hs := &hubState{s: s, st: &s.settings}
	c := &conn{hs: hs, rwc: &memConn{in: in}, buffers: new(buffers)}
	c.rbuf = c.in[:]
	c.wbuf = c.out[:0]
	var reqs []*http.Request
	for {
		head, err := c.readHead()
		if err != nil {
			return reqs, err
		}
		w, err := c.newRequest(head, time.Time{})
		if err != nil {
			return reqs, err
		}
		if _, err := io.Copy(io.Discard, w.req.Body); err != nil {
			return reqs, err
		}
		reqs = append(reqs, w.req)
		if !w.keepAlive {
			return reqs, io.EOF
		}
	}
}

func FuzzReadRequest(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /x?y=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X\r\n\r\n5;e=1\r\nhello\r\n0\r\nX: y\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
		"GET http://a/b HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
		"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /%7Efoo HTTP/1.1\r\nhost: a\r\nX-A: b\r\n c\r\n\r\n",
		"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\nHost: a\n\n",
	} {
		f.Add(s)
	}
	st := &settings{maxHeaderBytes: 4096, maxRequestLine: 1024}
	f.Fuzz(func(t *testing.T, in string) {
		reqs, err := readRequests(in, st)
		if err == nil {
			t.Fatal("no error at the end of the input")
		}
		for _, r := range reqs {
			if r.Method == "" || strings.ContainsAny(r.Method, " \r\n\x00") {
				t.Fatalf("bad method %q", r.Method)
			}
			if r.ProtoMajor != 1 || r.ProtoMinor > 1 {
				t.Fatalf("proto %d.%d", r.ProtoMajor, r.ProtoMinor)
			}
			if len(r.TransferEncoding) > 0 && r.Header.Get("Content-Length") != "" {
				t.Fatal("Content-Length with Transfer-Encoding accepted")
			}
			for k, vv := range r.Header {
				if k == "" || strings.ContainsAny(k, " :\r\n\x00") {
					t.Fatalf("bad key %q", k)
				}
				for _, v := range vv {
					if strings.ContainsAny(v, "\r\n\x00") {
						t.Fatalf("bad value %q", v)
					}
				}
			}
		}
		if len(reqs) > 0 {
			// What this parser accepts, net/http's accepts too: it is the
			// stricter of the two (leading empty lines aside).
			raw := strings.TrimLeft(in, "\r\n")
			if _, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw))); err != nil {
				t.Fatalf("accepted a request net/http refuses: %v", err)
			}
		}
	})
}
