package httpserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

func TestServeHello(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(hello)})
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "Hello, World!" {
		t.Fatalf("got %d %q", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain" {
		t.Errorf("Content-Type %q", ct)
	}
	if resp.ContentLength != 13 {
		t.Errorf("ContentLength %d", resp.ContentLength)
	}
	if _, err := http.ParseTime(resp.Header.Get("Date")); err != nil {
		t.Errorf("Date: %v", err)
	}
}

func TestHeaderAndSmallBodyInOneWrite(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(hello)})
	cl := dial(t, addr)
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	// One write: the first read returns the whole response.
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	n, err := cl.c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(buf[:n], []byte("\r\n\r\nHello, World!")) {
		t.Fatalf("first read %q", buf[:n])
	}
}

func TestServeMuxPatternsAndFileServer(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("file contents"), 0o644)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s", r.PathValue("id"))
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.Dir(dir))))
	addr := start(t, &Server{Handler: mux})
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/items/42", "item 42", 200},
		{"/static/a.txt", "file contents", 200},
		{"/nothing", "404 page not found\n", 404},
	} {
		resp, err := http.Get("http://" + addr + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || string(b) != tc.want {
			t.Errorf("%s: %d %q", tc.path, resp.StatusCode, b)
		}
	}
	// Ranges and conditional requests of ServeContent.
	req, _ := http.NewRequest("GET", "http://"+addr+"/static/a.txt", nil)
	req.Header.Set("Range", "bytes=0-3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || string(b) != "file" {
		t.Errorf("range: %d %q", resp.StatusCode, b)
	}
	req.Header.Del("Range")
	req.Header.Set("If-Modified-Since", resp.Header.Get("Last-Modified"))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 304 || len(b) != 0 {
		t.Errorf("304: %d %q", resp.StatusCode, b)
	}
}

func TestKeepAliveRules(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(hello)})
	for _, tc := range []struct {
		name, req string
		open      bool
		conn      string
	}{
		{"1.1", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", true, ""},
		{"1.1 close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false, "close"},
		{"1.0", "GET / HTTP/1.0\r\n\r\n", false, ""},
		{"1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, "keep-alive"},
	} {
		cl := dial(t, addr)
		cl.send(tc.req)
		resp, body := cl.response("GET")
		if resp.StatusCode != 200 || body != "Hello, World!" {
			t.Errorf("%s: %d %q", tc.name, resp.StatusCode, body)
		}
		// ReadResponse turns "Connection: close" into resp.Close.
		if got := resp.Header.Get("Connection"); got != tc.conn && !(tc.conn == "close" && resp.Close) {
			t.Errorf("%s: Connection %q, want %q", tc.name, got, tc.conn)
		}
		if tc.open {
			if !cl.open() {
				t.Errorf("%s: connection closed", tc.name)
			}
			cl.send(tc.req)
			if resp, _ := cl.response("GET"); resp.StatusCode != 200 {
				t.Errorf("%s: second request %d", tc.name, resp.StatusCode)
			}
		} else if !cl.closed() {
			t.Errorf("%s: connection left open", tc.name)
		}
	}
}

func TestPipelinedInOrder(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			gevent.Sleep(20 * time.Millisecond)
		}
		io.WriteString(w, r.URL.Path)
	})})
	cl := dial(t, addr)
	cl.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.1\r\nHost: a\r\n\r\n")
	for _, want := range []string{"/slow", "/b", "/c"} {
		if _, body := cl.response("GET"); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
}

func TestRequestBodies(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(echoBody)})
	cl := dial(t, addr)
	cl.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
	if resp, body := cl.response("POST"); body != "hello" || resp.Header.Get("X-Len") != "5" {
		t.Errorf("Content-Length body: %q", body)
	}
	cl.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" +
		"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n")
	resp, body := cl.response("POST")
	if body != "hello world" {
		t.Errorf("chunked body: %q", body)
	}
	if got := resp.Header.Get("X-Trailer-X-Sum"); got != "11" {
		t.Errorf("trailer: %q", got)
	}
	if !cl.open() {
		t.Error("closed after chunked body")
	}
}

func TestUnreadBodyDiscarded(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(hello)})
	cl := dial(t, addr)
	cl.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	for range 2 {
		if resp, body := cl.response("GET"); resp.StatusCode != 200 || body != "Hello, World!" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
	}
	// A body over the discard limit closes the connection after the response.
	cl = dial(t, addr)
	cl.send(fmt.Sprintf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", 1<<20))
	resp, _ := cl.response("POST")
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("large unread body: %d close=%v", resp.StatusCode, resp.Close)
	}
}

func TestExpectContinue(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/reject" {
			w.WriteHeader(http.StatusExpectationFailed)
			return
		}
		echoBody(w, r)
	})})
	cl := dial(t, addr)
	cl.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := cl.br.ReadString('\n')
	blank, _ := cl.br.ReadString('\n')
	if line != "HTTP/1.1 100 Continue\r\n" || blank != "\r\n" {
		t.Fatalf("got %q %q", line, blank)
	}
	cl.send("hello")
	if _, body := cl.response("POST"); body != "hello" {
		t.Errorf("body %q", body)
	}
	// A handler that answers without reading: no 100, and the connection
	// closes (the client may or may not send the body).
	cl = dial(t, addr)
	cl.send("POST /reject HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	resp, _ := cl.response("POST")
	if resp.StatusCode != http.StatusExpectationFailed || !resp.Close {
		t.Errorf("got %d close=%v", resp.StatusCode, resp.Close)
	}
	if !cl.closed() {
		t.Error("connection left open")
	}
}

func TestNoBodyResponses(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(204)
		case "/304":
			w.WriteHeader(304)
		}
		io.WriteString(w, "body")
	})})
	cl := dial(t, addr)
	cl.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body := cl.response("HEAD")
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != 4 {
		t.Errorf("HEAD: %d %q %d", resp.StatusCode, body, resp.ContentLength)
	}
	for _, p := range []string{"/204", "/304"} {
		cl.send("GET " + p + " HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, body := cl.response("GET")
		if body != "" || resp.Header.Get("Content-Length") != "" || resp.TransferEncoding != nil {
			t.Errorf("%s: %q %v", p, body, resp.Header)
		}
	}
	// The connection is still in sync: no stray body bytes.
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if _, body := cl.response("GET"); body != "body" {
		t.Errorf("after: %q", body)
	}
}

func TestStreamingFlush(t *testing.T) {
	var step atomic.Int32
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		for step.Load() == 0 { // the client has read the first part
			if gevent.Sleep(time.Millisecond) != nil {
				return
			}
		}
		io.WriteString(w, "second\n")
	})})
	cl := dial(t, addr)
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(cl.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("TransferEncoding %v", resp.TransferEncoding)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first\n" {
		t.Fatalf("first part %q %v", buf, err)
	}
	step.Store(1)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest %q %v", rest, err)
	}
}

func TestHijack(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Upgrade", "echo")
		w.Header().Set("Connection", "Upgrade")
		w.WriteHeader(http.StatusSwitchingProtocols)
		c, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		line, err := rw.ReadString('\n')
		if err != nil {
			t.Error(err)
			return
		}
		rw.WriteString("echo: " + line)
		rw.Flush()
	})})
	cl := dial(t, addr)
	// The first line after the request is already buffered by the server.
	cl.send("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nping\n")
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(cl.br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("%v %v", resp, err)
	}
	line, err := cl.br.ReadString('\n')
	if line != "echo: ping\n" {
		t.Fatalf("%q %v", line, err)
	}
	if !cl.closed() {
		t.Error("hijacked connection not closed by the handler")
	}
}

func TestResponseController(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.EnableFullDuplex(); err != nil {
			t.Error(err)
		}
		if err := rc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Error(err)
		}
		if err := rc.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Error(err)
		}
		w.WriteHeader(200)
		if err := rc.Flush(); err != nil {
			t.Error(err)
		}
		// Full duplex: read the body after the header went out.
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})})
	cl := dial(t, addr)
	cl.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n")
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(cl.br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	cl.send("data")
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "data" {
		t.Errorf("%q", b)
	}
}

// waitDone waits cooperatively until ctx is done.
func waitDone(ctx context.Context) error {
	w := gevent.NewWaiter()
	hubapi.SetRef(w, true)
	stop := context.AfterFunc(ctx, func() { w.Switch() })
	defer stop()
	return w.Wait()
}

func TestContextCancelledWhenClientGoes(t *testing.T) {
	cancelled := make(chan error, 1)
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := waitDone(r.Context()); err != nil {
			cancelled <- err
			return
		}
		cancelled <- r.Context().Err()
	})})
	cl := dial(t, addr)
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(50 * time.Millisecond) // let the handler start (not needed for correctness)
	cl.c.Close()
	select {
	case err := <-cancelled:
		if err != context.Canceled {
			t.Errorf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("context not cancelled")
	}
}

func TestContextCancelledOnShutdown(t *testing.T) {
	cancelled := make(chan error, 1)
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		waitDone(r.Context())
		cancelled <- r.Context().Err()
		io.WriteString(w, "bye")
	})}
	addr := start(t, srv)
	cl := dial(t, addr)
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	got := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(cl.br, nil)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	time.Sleep(50 * time.Millisecond)
	if err := srv.Shutdown(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := <-cancelled; err != context.Canceled {
		t.Errorf("ctx err %v", err)
	}
	if b := <-got; b != "bye" {
		t.Errorf("response %q", b)
	}
}

func TestPanicBecomes500(t *testing.T) {
	var errLog syncBuffer
	addr := start(t, &Server{ErrorLog: log.New(&errLog, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			panic("boom")
		case "/abort":
			panic(http.ErrAbortHandler)
		}
		hello(w, r)
	})})
	cl := dial(t, addr)
	cl.send("GET /panic HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body := cl.response("GET")
	if resp.StatusCode != 500 || !strings.Contains(body, "Internal Server Error") {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	if !cl.closed() {
		t.Error("connection left open after a panic")
	}
	if !strings.Contains(errLog.String(), "panic serving") || !strings.Contains(errLog.String(), "boom") {
		t.Errorf("error log %q", errLog.String())
	}
	before := errLog.String()
	cl = dial(t, addr)
	cl.send("GET /abort HTTP/1.1\r\nHost: a\r\n\r\n")
	if !cl.closed() {
		t.Error("connection left open after ErrAbortHandler")
	}
	if errLog.String() != before {
		t.Errorf("ErrAbortHandler logged: %q", errLog.String()[len(before):])
	}
	// The server goes on serving.
	cl = dial(t, addr)
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if resp, _ := cl.response("GET"); resp.StatusCode != 200 {
		t.Errorf("after panic: %d", resp.StatusCode)
	}
}

func TestAccessLog(t *testing.T) {
	var access syncBuffer
	addr := start(t, &Server{AccessLog: &access, Handler: http.HandlerFunc(hello)})
	cl := dial(t, addr)
	cl.send("GET /list HTTP/1.1\r\nHost: a\r\n\r\n")
	cl.response("GET")
	cl.send("BAD\r\n\r\n")
	cl.response("GET")
	cl.closed()
	re := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] "GET /list HTTP/1\.1" 200 \d+ \d+\.\d{6}\n` +
		`127\.0\.0\.1 - - \[[^]]+\] "BAD" 400 \d+ \d+\.\d{6}\n$`)
	if !re.MatchString(access.String()) {
		t.Errorf("access log %q", access.String())
	}
}

func TestShutdownGraceful(t *testing.T) {
	release := make(chan struct{})
	var released atomic.Bool
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			for !released.Load() {
				gevent.Sleep(time.Millisecond)
			}
		}
		io.WriteString(w, "done")
	})}
	addr := start(t, srv)
	idle := dial(t, addr)
	idle.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	idle.response("GET")
	busy := dial(t, addr)
	busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(10 * time.Second) }()
	if !idle.closed() {
		t.Error("idle connection not closed")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned early: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	released.Store(true)
	close(release)
	resp, body := busy.response("GET")
	if body != "done" || !resp.Close {
		t.Errorf("in-flight: %q close=%v", body, resp.Close)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("still accepting")
	}
}

func TestShutdownTimeout(t *testing.T) {
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			if gevent.Sleep(time.Millisecond) != nil {
				return
			}
		}
	})}
	addr := start(t, srv)
	cl := dial(t, addr)
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	err := srv.Shutdown(100 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "closed 1 connection") {
		t.Errorf("Shutdown: %v", err)
	}
	if !cl.closed() {
		t.Error("connection not closed")
	}
}

func TestIdleConnectionHasNoGreenlet(t *testing.T) {
	srv := &Server{Handler: http.HandlerFunc(hello)}
	addr := start(t, srv)
	cl := dial(t, addr)
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	cl.response("GET")
	state := func() (idle, active int, buffered bool) {
		done := make(chan struct{})
		srv.mu.Lock()
		hs := srv.hubs[0]
		srv.mu.Unlock()
		hs.hub.RunCallbackThreadsafe(func() {
			for c := hs.idle.head; c != nil; c = c.next {
				idle++
				buffered = buffered || c.buffers != nil || c.g != nil
			}
			for c := hs.active.head; c != nil; c = c.next {
				active++
			}
			close(done)
		})
		<-done
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		idle, active, held := state()
		if idle == 1 && active == 0 {
			if held {
				t.Fatal("idle connection holds buffers or a greenlet")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle %d active %d", idle, active)
		}
		time.Sleep(time.Millisecond)
	}
	// The next request wakes it.
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if _, body := cl.response("GET"); body != "Hello, World!" {
		t.Errorf("%q", body)
	}
}

func TestIdleTimeout(t *testing.T) {
	addr := start(t, &Server{IdleTimeout: 100 * time.Millisecond, Handler: http.HandlerFunc(hello)})
	cl := dial(t, addr)
	cl.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	cl.response("GET")
	t0 := time.Now()
	if !cl.closed() {
		t.Fatal("idle connection not closed")
	}
	if d := time.Since(t0); d < 90*time.Millisecond {
		t.Errorf("closed after %v", d)
	}
}

func TestMaxConns(t *testing.T) {
	addr := start(t, &Server{MaxConns: 1, Handler: http.HandlerFunc(hello)})
	a := dial(t, addr)
	a.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	a.response("GET")
	b := dial(t, addr) // waits in the backlog
	b.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if !b.open() {
		t.Fatal("second connection answered while the first is open")
	}
	a.c.Close()
	if resp, _ := b.response("GET"); resp.StatusCode != 200 {
		t.Errorf("%d", resp.StatusCode)
	}
}

func TestMaxBodyBytes(t *testing.T) {
	addr := start(t, &Server{MaxBodyBytes: 8, Handler: http.HandlerFunc(echoBody)})
	cl := dial(t, addr)
	cl.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n123456789")
	if resp, _ := cl.response("POST"); resp.StatusCode != 413 {
		t.Errorf("Content-Length: %d", resp.StatusCode)
	}
	if !cl.closed() {
		t.Error("left open")
	}
	cl = dial(t, addr)
	cl.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n")
	if resp, _ := cl.response("POST"); resp.StatusCode != 413 {
		t.Errorf("chunked: %d", resp.StatusCode)
	}
	if !cl.closed() {
		t.Error("left open")
	}
}

// TestHostField: the Host field sets Request.Host and, as in net/http, is
// not in Request.Header; the other fields are, with their values.
func TestHostField(t *testing.T) {
	addr := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, inHeader := r.Header["Host"]
		fmt.Fprintf(w, "%s %v %d %q", r.Host, inHeader, len(r.Header), r.Header.Get("X-A"))
	})})
	cl := dial(t, addr)
	cl.send("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
	if _, body := cl.response("GET"); body != `example.com false 0 ""` {
		t.Errorf("Host alone: %q", body)
	}
	cl.send("GET / HTTP/1.1\r\nX-A: 1\r\nHost: example.org\r\n\r\n")
	if _, body := cl.response("GET"); body != `example.org false 1 "1"` {
		t.Errorf("Host and X-A: %q", body)
	}
}
