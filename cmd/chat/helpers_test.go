package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// chat is a chat process run in the test: serve() on a real TCP socket.
type chat struct {
	t      *testing.T
	cfg    Config
	base   string
	log    *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.ShutdownTimeout = 5 * time.Second
	return cfg
}

// startChat runs serve(cfg) until the test ends (or stop).
func startChat(t *testing.T, cfg Config) *chat {
	t.Helper()
	c := &chat{t: t, cfg: cfg, log: &syncBuffer{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	logger := slog.New(slog.NewTextHandler(c.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	addr := make(chan net.Addr, 1)
	go func() { c.done <- serve(ctx, cfg, logger, func(a net.Addr) { addr <- a }) }()
	select {
	case a := <-addr:
		c.base = "http://" + a.String()
	case err := <-c.done:
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() { c.stop() })
	return c
}

// stop shuts the chat down as SIGTERM does and returns serve's result.
func (c *chat) stop() error {
	c.t.Helper()
	if c.cancel == nil {
		return nil
	}
	c.cancel()
	c.cancel = nil
	select {
	case err := <-c.done:
		return err
	case <-time.After(30 * time.Second):
		c.t.Fatal("serve did not return 30 s after the shutdown")
		return nil
	}
}

// client is one browser: a cookie jar.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func (c *chat) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: c.t, base: c.base, hc: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
}

// resp is an answer read in full.
type resp struct {
	code int
	h    http.Header
	body string
}

func (cl *client) do(method, path, ctype, body string) resp {
	cl.t.Helper()
	req, err := http.NewRequest(method, cl.base+path, strings.NewReader(body))
	if err != nil {
		cl.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	r, err := cl.hc.Do(req)
	if err != nil {
		cl.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		cl.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp{code: r.StatusCode, h: r.Header, body: string(b)}
}

func (cl *client) get(path string) resp { return cl.do("GET", path, "", "") }

func (cl *client) put(room, uid, message string) resp {
	return cl.do("POST", "/put/"+room+"/"+uid, "application/x-www-form-urlencoded", url.Values{"message": {message}}.Encode())
}

func (cl *client) poll(uid string) resp { return cl.do("POST", "/poll/"+uid, "", "") }

func (cl *client) postJSON(room string, v any) resp {
	b, _ := json.Marshal(v)
	return cl.do("POST", "/api/rooms/"+room+"/messages", "application/json", string(b))
}

// must checks the status code of r.
func must(t *testing.T, r resp, code int, what string) resp {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: status %d, want %d; body %q", what, r.code, code, r.body)
	}
	return r
}

func decode[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return v
}

type messagesJSON struct {
	Messages []Message `json:"messages"`
	More     bool      `json:"more"`
}
