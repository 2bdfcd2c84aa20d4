package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every bad-input row of the issue: the status, a clear body, and no
// server-error log line.
func TestBadInput(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxUsers = 3
	cfg.Rate = 2
	cfg.RateWindow = time.Minute
	c := startChat(t, cfg)
	alice, bob, stranger := c.client(), c.client(), c.client()
	must(t, alice.get("/topic1/alice"), 200, "alice joins")
	must(t, bob.get("/topic1/bob"), 200, "bob joins")

	form := "application/x-www-form-urlencoded"
	big := strings.Repeat("x", 4097)
	forged := &http.Cookie{Name: "chat_alice", Value: "alice.AAAA.AAAA", Path: "/"}
	u, _ := url.Parse(c.base)
	forger := c.client()
	forger.hc.Jar.SetCookies(u, []*http.Cookie{forged})
	// bob's valid cookie, presented as alice's
	var bobs *http.Cookie
	for _, k := range bob.hc.Jar.Cookies(u) {
		if k.Name == "chat_bob" {
			bobs = k
		}
	}
	swapper := c.client()
	swapper.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "chat_alice", Value: bobs.Value, Path: "/"}})

	rows := []struct {
		name       string
		cl         *client
		method     string
		path       string
		ctype      string
		body       string
		code       int
		bodyHas    string
		retryAfter bool
	}{
		{"join unknown room", alice, "GET", "/nope/alice", "", "", 404, `no room "nope"`, false},
		{"put unknown room", alice, "POST", "/put/nope/alice", form, "message=x", 404, `no room "nope"`, false},
		{"history unknown room", alice, "GET", "/api/rooms/nope/messages", "", "", 404, `no room "nope"`, false},
		{"post unknown room", alice, "POST", "/api/rooms/nope/messages", "application/json", `{"uid":"alice","text":"x"}`, 404, `no room`, false},
		{"poll unknown user", alice, "POST", "/poll/nobody", "", "", 404, `unknown user "nobody"`, false},
		{"json poll unknown user", alice, "POST", "/api/poll/nobody", "", "", 404, `unknown user`, false},
		{"put unknown user", alice, "POST", "/put/topic1/nobody", form, "message=x", 404, `unknown user`, false},
		{"empty message", alice, "POST", "/put/topic1/alice", form, "message=", 400, "empty message", false},
		{"blank message", alice, "POST", "/put/topic1/alice", form, "message=+%0A+", 400, "empty message", false},
		{"missing message", alice, "POST", "/put/topic1/alice", form, "text=x", 400, `missing form field "message"`, false},
		{"message over 4 KiB", alice, "POST", "/put/topic1/alice", form, "message=" + big, 413, "message too long: 4097 bytes, at most 4096", false},
		{"json message over 4 KiB", alice, "POST", "/api/rooms/topic1/messages", "application/json", `{"uid":"alice","text":"` + big + `"}`, 413, "message too long", false},
		{"body far too large", alice, "POST", "/put/topic1/alice", form, "message=" + strings.Repeat("x", 100<<10), 413, "request body too large", false},
		{"control characters", alice, "POST", "/put/topic1/alice", form, "message=a%00b", 400, "not valid UTF-8 text", false},
		{"invalid UTF-8", alice, "POST", "/put/topic1/alice", form, "message=a%ffb", 400, "not valid UTF-8 text", false},
		{"bad uid join", alice, "GET", "/topic1/a%20b", "", "", 400, "invalid user name", false},
		{"bad uid too long", alice, "GET", "/topic1/" + strings.Repeat("a", 33), "", "", 400, "invalid user name", false},
		{"bad uid rooms page", alice, "GET", "/a.b", "", "", 400, "invalid user name", false},
		{"bad uid put", alice, "POST", "/put/topic1/a%21", form, "message=x", 400, "invalid user name", false},
		{"bad uid poll", alice, "POST", "/poll/%C3%A9", "", "", 400, "invalid user name", false},
		{"bad uid json post", alice, "POST", "/api/rooms/topic1/messages", "application/json", `{"uid":"a b","text":"x"}`, 400, "invalid user name", false},
		{"malformed form", alice, "POST", "/put/topic1/alice", form, "message=%zz", 400, "malformed form", false},
		{"malformed JSON", alice, "POST", "/api/rooms/topic1/messages", "application/json", `{"uid":`, 400, "malformed JSON", false},
		{"JSON of the wrong shape", alice, "POST", "/api/rooms/topic1/messages", "application/json", `["alice"]`, 400, "malformed JSON", false},
		{"JSON without text", alice, "POST", "/api/rooms/topic1/messages", "application/json", `{"uid":"alice"}`, 400, `missing field "text"`, false},
		{"bad history after", alice, "GET", "/api/rooms/topic1/messages?after=x", "", "", 400, "after=", false},
		{"bad history limit", alice, "GET", "/api/rooms/topic1/messages?limit=0", "", "", 400, "limit=", false},
		{"bad poll timeout", alice, "POST", "/api/poll/alice?timeout=soon", "", "", 400, "timeout=", false},
		{"put without cookie", stranger, "POST", "/put/topic1/alice", form, "message=x", 403, "no session cookie", false},
		{"poll without cookie", stranger, "POST", "/poll/alice", "", "", 403, "no session cookie", false},
		{"ws without cookie", stranger, "GET", "/ws/alice", "", "", 403, "no session cookie", false},
		{"forged cookie", forger, "POST", "/poll/alice", "", "", 403, "invalid session cookie", false},
		{"another user's cookie", swapper, "POST", "/put/topic1/alice", form, "message=x", 403, "invalid session cookie", false},
		{"name held by a live session", stranger, "GET", "/topic1/alice", "", "", 409, `the name "alice" is in use`, false},
		{"first allowed post", alice, "POST", "/put/topic1/alice", form, "message=1", 200, "", false},
		{"second allowed post", alice, "POST", "/put/topic1/alice", form, "message=2", 200, "", false},
		{"rate limit", alice, "POST", "/put/topic1/alice", form, "message=3", 429, "too many messages: at most 2 per 1m0s", true},
		{"third user", stranger, "GET", "/topic1/carol", "", "", 200, "", false},
		{"chat full", c.client(), "GET", "/topic1/dave", "", "", 503, "the chat is full (3 users)", true},
		{"unknown route", alice, "GET", "/a/b/c", "", "", 404, "", false},
	}
	for _, row := range rows {
		r := row.cl.do(row.method, row.path, row.ctype, row.body)
		if r.code != row.code || !strings.Contains(r.body, row.bodyHas) {
			t.Errorf("%s: %s %s: %d %q, want %d with %q", row.name, row.method, row.path, r.code, r.body, row.code, row.bodyHas)
		}
		if row.code >= 400 && strings.TrimSpace(r.body) == "" {
			t.Errorf("%s: empty body", row.name)
		}
		if got := r.h.Get("Retry-After"); (got != "") != row.retryAfter {
			t.Errorf("%s: Retry-After %q", row.name, got)
		}
	}
	if log := c.log.String(); strings.Contains(log, "level=ERROR") || strings.Contains(log, "level=WARN") {
		t.Errorf("bad input logged as a server error:\n%s", log)
	}
	// The rejected posts stored nothing.
	h := decode[messagesJSON](t, must(t, alice.get("/api/rooms/topic1/messages"), 200, "history"))
	if len(h.Messages) != 2 {
		t.Errorf("history: %+v, want the two accepted messages", h.Messages)
	}
}

// faultStore wraps a store: Append fails while fail is set, and blocks
// while gate is set until it is closed.
type faultStore struct {
	Store
	mu   sync.Mutex
	fail bool
	gate chan struct{}
}

func (s *faultStore) Append(ctx context.Context, room, uid, text string) (Message, error) {
	s.mu.Lock()
	fail, gate := s.fail, s.gate
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if fail {
		return Message{}, errors.New("disk on fire")
	}
	return s.Store.Append(ctx, room, uid, text)
}

func (s *faultStore) History(ctx context.Context, room string, after int64, limit int) ([]Message, error) {
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	if fail {
		return nil, errors.New("disk on fire")
	}
	return s.Store.History(ctx, room, after, limit)
}

// startApp serves an App on store (not through serve()).
func startApp(t *testing.T, cfg Config, store Store) *chat {
	t.Helper()
	return startAppWith(t, cfg, store, func(h http.Handler) http.Handler { return h })
}

// startAppWith serves an App on store through wrap.
func startAppWith(t *testing.T, cfg Config, store Store, wrap func(http.Handler) http.Handler) *chat {
	t.Helper()
	log := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(log, nil))
	app, err := NewApp(cfg, store, make([]byte, keySize), logger)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(cfg, wrap(app), logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		app.Drain(time.Second)
		srv.Shutdown(5 * time.Second)
		app.Close()
		store.Close()
	})
	return &chat{t: t, cfg: cfg, base: "http://" + srv.addr.String(), log: log}
}

// A storage error answers 503 and delivers nothing; what was answered 200
// is kept.
func TestStorageError(t *testing.T) {
	cfg := testConfig(t)
	sq, err := openSQLite(cfg.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs := &faultStore{Store: sq}
	c := startApp(t, cfg, fs)
	alice, bob := c.client(), c.client()
	must(t, alice.get("/topic1/alice"), 200, "join")
	must(t, bob.get("/topic1/bob"), 200, "join")
	must(t, alice.put("topic1", "alice", "kept"), 200, "put")
	fs.mu.Lock()
	fs.fail = true
	fs.mu.Unlock()
	r := must(t, alice.put("topic1", "alice", "lost"), 503, "put on a failing disk")
	if !strings.Contains(r.body, "storage unavailable") || r.h.Get("Retry-After") == "" {
		t.Errorf("503: %q, Retry-After %q", r.body, r.h.Get("Retry-After"))
	}
	must(t, alice.get("/api/rooms/topic1/messages"), 503, "history on a failing disk")
	fs.mu.Lock()
	fs.fail = false
	fs.mu.Unlock()
	p := decode[messagesJSON](t, must(t, bob.do("POST", "/api/poll/bob?timeout=200ms", "", ""), 200, "poll"))
	if len(p.Messages) != 1 || p.Messages[0].Text != "kept" {
		t.Errorf("bob got %+v, want only the stored message", p.Messages)
	}
	h := decode[messagesJSON](t, must(t, alice.get("/api/rooms/topic1/messages"), 200, "history"))
	if len(h.Messages) != 1 || h.Messages[0].Text != "kept" {
		t.Errorf("history %+v", h.Messages)
	}
}

// While a write waits for a slow disk, the chat keeps answering others.
func TestSlowDiskParksOnlyWriter(t *testing.T) {
	cfg := testConfig(t)
	sq, err := openSQLite(cfg.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	fs := &faultStore{Store: sq, gate: gate}
	c := startApp(t, cfg, fs)
	alice, bob := c.client(), c.client()
	must(t, alice.get("/topic1/alice"), 200, "join")
	must(t, bob.get("/topic1/bob"), 200, "join")
	put := make(chan resp, 1)
	go func() { put <- alice.put("topic1", "alice", "slow") }()
	// The write is parked; other requests are answered meanwhile.
	must(t, bob.get("/api/rooms"), 200, "rooms during a slow write")
	must(t, bob.get("/healthz"), 200, "healthz during a slow write")
	p := decode[messagesJSON](t, must(t, bob.do("POST", "/api/poll/bob?timeout=100ms", "", ""), 200, "poll"))
	if len(p.Messages) != 0 {
		t.Errorf("message delivered before it was stored: %+v", p.Messages)
	}
	select {
	case r := <-put:
		t.Fatalf("put answered %d before the disk finished", r.code)
	default:
	}
	close(gate)
	must(t, <-put, 200, "put after the disk")
	p = decode[messagesJSON](t, must(t, bob.do("POST", "/api/poll/bob?timeout=5s", "", ""), 200, "poll"))
	if len(p.Messages) != 1 {
		t.Errorf("after the write: %+v", p.Messages)
	}
}

// SIGINT/SIGTERM: a waiting poll is answered at once, WebSockets get a close
// frame, serve returns nil, and the history is on disk.
func TestGracefulShutdown(t *testing.T) {
	cfg := testConfig(t)
	c := startChat(t, cfg)
	alice := c.client()
	must(t, alice.get("/topic1/alice"), 200, "join")
	must(t, alice.put("topic1", "alice", "persisted"), 200, "put")
	must(t, alice.poll("alice"), 200, "take the message")
	bob := c.client()
	must(t, bob.get("/topic1/bob"), 200, "join")
	ws := dialWS(t, c, bob, "bob")

	polled := make(chan resp, 1)
	go func() { polled <- alice.poll("alice") }()
	waitMetric(t, alice, "chat_polls_waiting 1")
	status := make(chan int, 1)
	go func() { status <- int(ws.closeStatus()) }()
	start := time.Now()
	if err := c.stop(); err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
	r := <-polled
	if r.code != 200 || strings.TrimSpace(r.body) != "[]" {
		t.Errorf("poll in flight: %d %q, want 200 []", r.code, r.body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v with a poll in flight", d)
	}
	if status := <-status; status != 1001 {
		t.Errorf("WebSocket close status %d, want 1001 (going away)", status)
	}
	sq, err := openSQLite(cfg.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	ms, err := sq.History(context.Background(), "topic1", 0, 10)
	if err != nil || len(ms) != 1 || ms[0].Text != "persisted" {
		t.Errorf("history after shutdown: %+v %v", ms, err)
	}
}

// waitMetric polls /metrics until it contains line.
func waitMetric(t *testing.T, cl *client, line string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(cl.get("/metrics").body, line) {
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed %q", line)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConfigFlagsAndEnv(t *testing.T) {
	env := map[string]string{"CHAT_ROOMS": "a,b , c", "CHAT_POLL_TIMEOUT": "3s", "CHAT_ADDR": "127.0.0.1:1"}
	getenv := func(k string) string { return env[k] }
	cfg, _, err := parseConfig([]string{"-addr", "127.0.0.1:2", "-rate", "5"}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Rooms, "|") != "a|b|c" || cfg.PollTimeout != 3*time.Second || cfg.Addr != "127.0.0.1:2" || cfg.Rate != 5 {
		t.Errorf("config %+v", cfg)
	}
	def, _, err := parseConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil || def.Addr != "127.0.0.1:5000" || def.Data != "./chat-data" || strings.Join(def.Rooms, ",") != "topic1,topic2" ||
		def.Rate != 20 || def.RateWindow != 10*time.Second || def.PollTimeout != 10*time.Second || def.MaxMessage != 4096 {
		t.Errorf("defaults %+v %v", def, err)
	}
	for _, bad := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"-rooms", "api"}, nil},
		{[]string{"-rooms", "a b"}, nil},
		{[]string{"-rooms", "x,x"}, nil},
		{[]string{"-rate", "0"}, nil},
		{[]string{"-log-format", "xml"}, nil},
		{nil, map[string]string{"CHAT_QUEUE": "many"}},
		{[]string{"extra"}, nil},
	} {
		if _, _, err := parseConfig(bad.args, func(k string) string { return bad.env[k] }, io.Discard); err == nil {
			t.Errorf("parseConfig(%v, %v): no error", bad.args, bad.env)
		}
	}
	var help strings.Builder
	if code := run(context.Background(), []string{"-help"}, func(string) string { return "" }, &help, nil); code != 0 {
		t.Errorf("-help: exit %d", code)
	}
	for _, want := range []string{"-addr", "$CHAT_ADDR", "$CHAT_DATA", "$CHAT_ROOMS", "$CHAT_RATE_WINDOW", "$CHAT_IDLE_TIMEOUT"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("-help has no %q", want)
		}
	}
	var errs strings.Builder
	if code := run(context.Background(), []string{"-rate", "x"}, func(string) string { return "" }, &errs, nil); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}
