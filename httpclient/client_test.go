package httpclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
	"github.com/geventgo/gevent/httpclient"
	"github.com/geventgo/gevent/internal/hubapi"
)

func runHub(t *testing.T, fn func(h *gevent.Hub)) {
	t.Helper()
	if err := gevent.Run(func() { fn(gevent.CurrentHub()) }); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// recv waits cooperatively (parking only the calling greenlet) for ch, at
// most 10 s; it reports whether ch delivered.
func recv[T any](ch <-chan T) bool {
	ok, _ := gevent.Blocking(func() (bool, error) {
		select {
		case <-ch:
			return true, nil
		case <-time.After(10 * time.Second):
			return false, nil
		}
	})
	return ok
}

// gate lets n parties through once all n have arrived, or after 10 s.
type gate struct {
	arrived atomic.Int32
	n       int32
	all     chan struct{}
}

func newGate(n int) *gate { return &gate{n: int32(n), all: make(chan struct{})} }

func (g *gate) pass() bool {
	if g.arrived.Add(1) == g.n {
		close(g.all)
	}
	select {
	case <-g.all:
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

// newClient returns a Client with a transport of its own, so that tests do
// not share connections.
func newClient(t *testing.T) *httpclient.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &httpclient.Client{HTTP: &http.Client{Transport: tr}}
}

func readAll(t *testing.T, resp *http.Response, err error) string {
	t.Helper()
	if err != nil {
		t.Errorf("request: %v", err)
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("reading the body: %v", err)
	}
	return string(b)
}

// TestGetConcurrent: three greenlets' requests are in flight at once (the
// server answers none until all three have arrived) while a ticker greenlet
// keeps ticking: the hub is not blocked.
func TestGetConcurrent(t *testing.T) {
	var ticks atomic.Int32
	arrivals := newGate(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !arrivals.pass() {
			http.Error(w, "not concurrent", http.StatusTeapot)
			return
		}
		// The hub must go on running while all three wait.
		deadline := time.Now().Add(10 * time.Second)
		for seen := ticks.Load(); ticks.Load() < seen+3; {
			if time.Now().After(deadline) {
				http.Error(w, "the hub did not tick while the requests were in flight", http.StatusTeapot)
				return
			}
			time.Sleep(time.Millisecond)
		}
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	}))
	defer srv.Close()
	c := newClient(t)
	runHub(t, func(*gevent.Hub) {
		stop := false
		ticker := gevent.Go(func() {
			for !stop {
				gevent.Sleep(time.Millisecond)
				ticks.Add(1)
			}
		})
		var gs []*gevent.Greenlet[string]
		for i := range 3 {
			gs = append(gs, gevent.Spawn(func() (string, error) {
				resp, err := c.Get(fmt.Sprintf("%s/%d", srv.URL, i))
				if err != nil {
					return "", err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				return fmt.Sprintf("%d %s", resp.StatusCode, b), err
			}))
		}
		if _, err := gevent.JoinAll(gs, gevent.Within(20*time.Second)); err != nil {
			t.Fatalf("JoinAll = %v", err)
		}
		stop = true
		ticker.Join()
		for i, g := range gs {
			want := fmt.Sprintf("200 hello /%d", i)
			if v, err := g.Get(); v != want || err != nil {
				t.Errorf("greenlet %d: %q, %v; want %q, nil", i, v, err, want)
			}
		}
	})
}

// slowBody answers with the headers and a first chunk at once, and with
// the rest only when release is closed; it reports in cancelled when the
// client went away first.
type slowBody struct {
	flushed, release, cancelled chan struct{}
}

func newSlowBody() *slowBody {
	return &slowBody{make(chan struct{}, 1), make(chan struct{}), make(chan struct{}, 1)}
}

func (s *slowBody) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "first,")
	w.(http.Flusher).Flush()
	s.flushed <- struct{}{}
	select {
	case <-s.release:
		io.WriteString(w, "second")
	case <-r.Context().Done():
		s.cancelled <- struct{}{}
	}
}

// TestSlowBodyParksReaderOnly: a body that is slow to come parks the
// greenlet reading it; the ticker greenlet ticks meanwhile.
func TestSlowBodyParksReaderOnly(t *testing.T) {
	s := newSlowBody()
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newClient(t)
	runHub(t, func(*gevent.Hub) {
		var ticks atomic.Int32
		stop := false
		ticker := gevent.Go(func() {
			for !stop {
				gevent.Sleep(time.Millisecond)
				ticks.Add(1)
			}
		})
		reader := gevent.Spawn(func() (string, error) {
			resp, err := c.Get(srv.URL)
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return string(b), err
		})
		if !recv(s.flushed) {
			t.Fatal("the server never sent the first chunk")
		}
		// The reader is now blocked in the body; the hub must keep ticking.
		for seen := ticks.Load(); ticks.Load() < seen+5; {
			gevent.Sleep(time.Millisecond)
		}
		if reader.Ready() {
			t.Fatalf("the reader finished before the body's end was sent: %v", reader.Err())
		}
		close(s.release)
		if v, err := reader.Get(); v != "first,second" || err != nil {
			t.Errorf("body = %q, %v; want \"first,second\", nil", v, err)
		}
		stop = true
		ticker.Join()
	})
}

// TestCancelledOnServer: a Kill or a Timeout of the greenlet, while it
// waits for the response or reads its body, cancels the request, and the
// server's handler sees its context done.
func TestCancelledOnServer(t *testing.T) {
	for _, how := range []string{"kill", "timeout"} {
		for _, when := range []string{"headers", "body"} {
			t.Run(how+"/"+when, func(t *testing.T) {
				srv, entered, cancelled := stallingServer(t, when == "body")
				c := newClient(t)
				runHub(t, func(*gevent.Hub) {
					var to *gevent.Timeout
					var got error
					var resp *http.Response
					var headers event.Event
					g := gevent.Go(func() {
						startTimeout := func() {
							if how == "timeout" {
								to = gevent.NewTimeout(50*time.Millisecond, nil)
								to.Start()
							}
						}
						defer func() {
							if to != nil {
								to.Cancel()
							}
						}()
						if when == "headers" {
							startTimeout()
						}
						var err error
						resp, err = c.Get(srv.URL)
						if when == "headers" {
							got = err
							return
						}
						if err != nil {
							got = fmt.Errorf("unexpected error before the body: %w", err)
							return
						}
						headers.Set()
						startTimeout()
						buf := make([]byte, 64)
						for got == nil {
							_, got = resp.Body.Read(buf)
						}
					})
					if !recv(entered) {
						t.Fatal("the request never reached the server")
					}
					if when == "body" {
						// The greenlet sets it and parks in Read before
						// this wait returns.
						if err := headers.Wait(); err != nil {
							t.Fatal(err)
						}
					}
					if how == "kill" {
						g.Kill()
					} else {
						g.Join()
					}
					want := gevent.ErrGreenletExit
					if how == "timeout" {
						want = to
					}
					if !errors.Is(got, want) {
						t.Fatalf("error = %v; want %v", got, want)
					}
					if !strings.HasPrefix(got.Error(), "httpclient: ") {
						t.Errorf("error %q lacks the package prefix", got)
					}
					var ue *url.Error
					if when == "headers" && !errors.As(got, &ue) {
						t.Errorf("error %v is not a *url.Error", got)
					}
					if how == "timeout" && !errors.Is(got, gevent.ErrTimeout) {
						t.Errorf("error %v does not match ErrTimeout", got)
					}
					if !recv(cancelled) {
						t.Fatal("the server's handler never saw the request cancelled")
					}
					if when == "body" {
						// The body stays unusable, and closing it is fine.
						if _, err := resp.Body.Read(make([]byte, 8)); err == nil || err == io.EOF {
							t.Errorf("Read after an interrupted Read = %v; want an error", err)
						}
						if err := resp.Body.Close(); err != nil {
							t.Errorf("Close after an interrupted Read = %v", err)
						}
					}
				})
			})
		}
	}
}

// TestHubDestroyedCancels: a hub destroyed while its greenlets wait for a
// response or a body cancels their requests.
func TestHubDestroyedCancels(t *testing.T) {
	for _, when := range []string{"headers", "body"} {
		t.Run(when, func(t *testing.T) {
			srv, entered, cancelled := stallingServer(t, when == "body")
			c := newClient(t)
			var headers event.Event
			runHub(t, func(*gevent.Hub) {
				gevent.Go(func() {
					resp, err := c.Get(srv.URL)
					if err != nil {
						return
					}
					headers.Set()
					io.ReadAll(resp.Body)
				})
				if !recv(entered) {
					t.Fatal("the request never reached the server")
				}
				if when == "body" {
					headers.Wait()
				}
				// Run destroys the hub now, with the greenlet parked.
			})
			select {
			case <-cancelled:
			case <-time.After(10 * time.Second):
				t.Fatal("the server's handler never saw the request cancelled")
			}
		})
	}
}

// TestContextCancelled: the request's own context is honoured.
func TestContextCancelled(t *testing.T) {
	entered := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newClient(t)
	runHub(t, func(*gevent.Hub) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		g := gevent.Spawn(func() (*http.Response, error) { return c.Do(req) })
		if !recv(entered) {
			t.Fatal("the request never reached the server")
		}
		cancel()
		if _, err := g.Get(); !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "httpclient: ") {
			t.Errorf("Do after its context's cancel = %v; want httpclient: … context.Canceled", err)
		}
	})
}

// TestHubsAndGoroutines: greenlets of two hubs and plain goroutines make
// requests at the same time (the server answers none until all have
// arrived).
func TestHubsAndGoroutines(t *testing.T) {
	const perHub, plain = 3, 2
	arrivals := newGate(2*perHub + plain)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !arrivals.pass() {
			http.Error(w, "not concurrent", http.StatusTeapot)
			return
		}
		io.WriteString(w, r.URL.Path)
	}))
	defer srv.Close()
	c := newClient(t)
	var wg sync.WaitGroup
	errs := make(chan error, 2*perHub+plain)
	check := func(path string) {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			errs <- err
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 || string(b) != path {
			errs <- fmt.Errorf("%s: %d %q, %v", path, resp.StatusCode, b, err)
		}
	}
	for hub := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gevent.Run(func() {
				var gs []*gevent.Greenlet[struct{}]
				for i := range perHub {
					gs = append(gs, gevent.Go(func() { check(fmt.Sprintf("/hub%d/%d", hub, i)) }))
				}
				gevent.JoinAll(gs)
			})
		}()
	}
	for i := range plain {
		wg.Add(1)
		go func() {
			defer wg.Done()
			check(fmt.Sprintf("/plain/%d", i))
			if hubapi.CurrentHubIfAny() != nil {
				errs <- errors.New("a plain goroutine's request created a hub")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestMethods: Post, PostForm and Head send what net/http sends.
func TestMethods(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.Header.Get("Content-Type"), b)
	}))
	defer srv.Close()
	c := newClient(t)
	runHub(t, func(*gevent.Hub) {
		resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("payload"))
		if got := readAll(t, resp, err); got != "POST text/plain payload" {
			t.Errorf("Post: %q", got)
		}
		resp, err = c.PostForm(srv.URL, url.Values{"a": {"1"}, "b": {"x y"}})
		if got := readAll(t, resp, err); got != "POST application/x-www-form-urlencoded a=1&b=x+y" {
			t.Errorf("PostForm: %q", got)
		}
		resp, err = c.Head(srv.URL)
		if err != nil || resp.Header.Get("X-Method") != "HEAD" {
			t.Fatalf("Head = %v, %v", resp, err)
		}
		if b, err := io.ReadAll(resp.Body); len(b) != 0 || err != nil {
			t.Errorf("Head body = %q, %v; want empty", b, err)
		}
		resp.Body.Close()
		req, _ := http.NewRequest(http.MethodPut, srv.URL, strings.NewReader("put"))
		resp, err = c.Do(req)
		if got := readAll(t, resp, err); got != "PUT  put" {
			t.Errorf("Do(PUT): %q", got)
		}
	})
}

// TestPackageFunctions: Get and friends use DefaultClient (net/http's
// default client).
func TestPackageFunctions(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Method)
	}))
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	runHub(t, func(*gevent.Hub) {
		resp, err := httpclient.Get(srv.URL)
		if got := readAll(t, resp, err); got != "GET" {
			t.Errorf("Get: %q", got)
		}
		resp, err = httpclient.Post(srv.URL, "text/plain", nil)
		if got := readAll(t, resp, err); got != "POST" {
			t.Errorf("Post: %q", got)
		}
		resp, err = httpclient.PostForm(srv.URL, nil)
		if got := readAll(t, resp, err); got != "POST" {
			t.Errorf("PostForm: %q", got)
		}
		if resp, err := httpclient.Head(srv.URL); err != nil || resp.StatusCode != 200 {
			t.Errorf("Head = %v, %v", resp, err)
		} else {
			resp.Body.Close()
		}
	})
	var zero httpclient.Client
	resp, err := zero.Get(srv.URL)
	if got := readAll(t, resp, err); got != "GET" {
		t.Errorf("zero Client from a goroutine: %q", got)
	}
}

// TestNetHTTPFeatures: redirects, cookies and the client's Timeout are
// net/http's.
func TestNetHTTPFeatures(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "42"})
		http.Redirect(w, r, "/end", http.StatusFound)
	})
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie("session")
		if err != nil {
			io.WriteString(w, "no cookie")
			return
		}
		io.WriteString(w, "cookie "+ck.Value)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	var redirects atomic.Int32
	c := &httpclient.Client{HTTP: &http.Client{
		Transport: tr,
		Jar:       jar,
		Timeout:   200 * time.Millisecond,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			redirects.Add(1)
			return nil
		},
	}}
	runHub(t, func(*gevent.Hub) {
		resp, err := c.Get(srv.URL + "/start")
		if got := readAll(t, resp, err); got != "cookie 42" || redirects.Load() != 1 {
			t.Errorf("after a redirect with a cookie: %q (%d redirects); want \"cookie 42\" after 1", got, redirects.Load())
		}
		_, err = c.Get(srv.URL + "/hang")
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || !strings.HasPrefix(err.Error(), "httpclient: ") {
			t.Errorf("Get past the client's Timeout = %v; want httpclient: … a net.Error timeout", err)
		}
		c.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return errBoom }
		resp, err = c.Get(srv.URL + "/start")
		if !errors.Is(err, errBoom) || resp == nil || resp.StatusCode != http.StatusFound {
			t.Errorf("Get with a failing CheckRedirect = %v, %v; want the redirect response and boom", resp, err)
		}
	})
}

var errBoom = errors.New("boom")

// TestErrors: failures carry the prefix and wrap net/http's.
func TestErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()
	c := newClient(t)
	runHub(t, func(*gevent.Hub) {
		_, err := c.Get("http://" + closedAddr + "/")
		var ue *url.Error
		if !errors.As(err, &ue) || ue.Op != "Get" || !errors.Is(err, syscall.ECONNREFUSED) || !strings.HasPrefix(err.Error(), "httpclient: ") {
			t.Errorf("Get of a closed port = %v; want httpclient: … *url.Error … ECONNREFUSED", err)
		}
		if _, err := c.Get("://bad"); err == nil || !strings.HasPrefix(err.Error(), "httpclient: ") {
			t.Errorf("Get of a malformed URL = %v; want an httpclient: error", err)
		}
		if _, err := c.Do(nil); err == nil || !strings.HasPrefix(err.Error(), "httpclient: ") {
			t.Errorf("Do(nil) = %v; want an httpclient: error", err)
		}
		if _, err := c.Do(&http.Request{Method: "GET"}); err == nil {
			t.Error("Do of a request without a URL = nil error")
		}
	})
}

// TestLoopCallback: a loop callback cannot park, so requests fail.
func TestLoopCallback(t *testing.T) {
	c := newClient(t)
	runHub(t, func(h *gevent.Hub) {
		var err error
		done := false
		h.RunCallback(func() {
			_, err = c.Get("http://127.0.0.1:1/")
			done = true
		})
		for !done {
			gevent.Sleep(0)
		}
		if !errors.Is(err, gevent.ErrBlockingSwitchOut) {
			t.Errorf("Get in a loop callback = %v; want ErrBlockingSwitchOut", err)
		}
	})
}

// TestKeepAlive: a body read to its end and closed gives its connection
// back, so the next request reuses it; an early Close does not block.
func TestKeepAlive(t *testing.T) {
	var big strings.Builder
	for i := 0; big.Len() < 100<<10; i++ {
		fmt.Fprintf(&big, "%d,", i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, big.String())
	}))
	defer srv.Close()
	c := newClient(t)
	runHub(t, func(*gevent.Hub) {
		var reused []bool
		for range 3 {
			trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = append(reused, info.Reused) }}
			req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, srv.URL, nil)
			resp, err := c.Do(req)
			if got := readAll(t, resp, err); got != big.String() {
				t.Fatalf("body of %d bytes differs from the %d sent", len(got), big.Len())
			}
		}
		if len(reused) != 3 || reused[0] || !reused[1] || !reused[2] {
			t.Errorf("connection reused = %v; want [false true true]", reused)
		}
		// An early Close: the rest of the body is dropped.
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := resp.Body.Read(make([]byte, 10)); err != nil {
			t.Fatal(err)
		}
		if err := resp.Body.Close(); err != nil {
			t.Errorf("early Close = %v", err)
		}
		if err := resp.Body.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
		if _, err := resp.Body.Read(make([]byte, 10)); err == nil {
			t.Error("Read after Close = nil error")
		}
	})
}

// TestConcurrentRead: a second greenlet reading a body while another waits
// in Read gets an error; the first one's Read is unaffected.
func TestConcurrentRead(t *testing.T) {
	s := newSlowBody()
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newClient(t)
	runHub(t, func(*gevent.Hub) {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		first := make([]byte, 6)
		if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "first," {
			t.Fatalf("first chunk %q, %v", first, err)
		}
		reader := gevent.Spawn(func() ([]byte, error) { return io.ReadAll(resp.Body) })
		gevent.Sleep(0) // the reader starts and parks in Read before this returns
		if _, err := resp.Body.Read(make([]byte, 4)); err == nil || !strings.Contains(err.Error(), "concurrent") {
			t.Errorf("an overlapping Read = %v; want the concurrent-read error", err)
		}
		close(s.release)
		if b, err := reader.Get(); string(b) != "second" || err != nil {
			t.Errorf("the first reader got %q, %v; want \"second\", nil", b, err)
		}
	})
}

// stallingServer starts a server whose handler (after writing and flushing a partial body if
// body) reports on entered that it holds a request, then waits for the request to be cancelled
// (reported on cancelled) or 20 s. The server closes when the test ends.
func stallingServer(t *testing.T, body bool) (srv *httptest.Server, entered, cancelled chan struct{}) {
	entered = make(chan struct{}, 1)
	cancelled = make(chan struct{}, 1)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body {
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		entered <- struct{}{}
		select {
		case <-r.Context().Done():
			cancelled <- struct{}{}
		case <-time.After(20 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	return srv, entered, cancelled
}
