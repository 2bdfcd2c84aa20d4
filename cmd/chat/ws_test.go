package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type wsClient struct {
	c *websocket.Conn
}

// dialWS opens uid's WebSocket with cl's cookies.
func dialWS(t *testing.T, c *chat, cl *client, uid string) *wsClient {
	t.Helper()
	conn, r, err := tryWS(c, cl, uid)
	if err != nil {
		code := 0
		if r != nil {
			code = r.StatusCode
		}
		t.Fatalf("dial ws: %v (status %d)", err, code)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return &wsClient{c: conn}
}

func tryWS(c *chat, cl *client, uid string) (*websocket.Conn, *http.Response, error) {
	u, _ := url.Parse(c.base)
	h := http.Header{}
	for _, k := range cl.hc.Jar.Cookies(u) {
		h.Add("Cookie", k.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.base, "http")+"/ws/"+uid, &websocket.DialOptions{HTTPHeader: h})
}

func (w *wsClient) next(t *testing.T) Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	typ, b, err := w.c.Read(ctx)
	if err != nil {
		t.Fatalf("ws read: %v", err)
	}
	var m Message
	if typ != websocket.MessageText || json.Unmarshal(b, &m) != nil {
		t.Fatalf("ws frame %v %q", typ, b)
	}
	return m
}

// closeStatus reads until the connection ends and returns the close code,
// or -1 if it ended without a close frame. It may run on any goroutine.
func (w *wsClient) closeStatus() websocket.StatusCode {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if _, _, err := w.c.Read(ctx); err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			return -1
		}
	}
}

func TestWebSocket(t *testing.T) {
	c := startChat(t, testConfig(t))
	alice, bob := c.client(), c.client()
	must(t, alice.get("/topic1/alice"), 200, "join")
	must(t, bob.get("/topic1/bob"), 200, "join")
	ws := dialWS(t, c, bob, "bob")
	waitMetric(t, bob, "chat_websockets_open 1")
	for _, text := range []string{"one", "<script>alert(1)</script>"} {
		must(t, alice.postJSON("topic1", map[string]string{"uid": "alice", "text": text}), 200, "post")
		m := ws.next(t)
		if m.UID != "alice" || m.Text != text || m.Room != "topic1" {
			t.Errorf("ws got %+v, want alice's %q", m, text)
		}
	}
	// Without the cookie: 403, no upgrade.
	if _, r, err := tryWS(c, c.client(), "bob"); err == nil || r == nil || r.StatusCode != 403 {
		t.Errorf("ws without a cookie: %v", err)
	}
	// The WebSocket keeps bob's name past the idle timeout... and it is
	// counted. Closing it frees the session for polling.
	ws.c.Close(websocket.StatusNormalClosure, "")
	waitMetric(t, bob, "chat_websockets_open 0")
	must(t, alice.put("topic1", "alice", "after"), 200, "put")
	r := must(t, bob.poll("bob"), 200, "poll after the socket")
	if !strings.Contains(r.body, "alice:after") {
		t.Errorf("poll after closing the socket: %q", r.body)
	}
}

func TestWebSocketDisabled(t *testing.T) {
	cfg := testConfig(t)
	cfg.WebSocket = false
	c := startChat(t, cfg)
	bob := c.client()
	must(t, bob.get("/topic1/bob"), 200, "join")
	must(t, bob.get("/ws/bob"), 404, "ws disabled")
}
