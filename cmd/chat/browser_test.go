package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts a headless Chromium with a fresh profile, or skips the
// test when Debian's chromium is not installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no %s (apt-get install chromium): %v", chromiumPath, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 700),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// tab opens a second tab of the browser of ctx.
func tab(t *testing.T, ctx context.Context) context.Context {
	c, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	return c
}

func act(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the tab of ctx.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// messageXPath finds the message list entry of uid with exactly text.
func sendAndSee(t *testing.T, from, to context.Context, uid, text string) {
	t.Helper()
	act(t, from, "send "+text,
		chromedp.SetValue(chromedp.ID("message"), text),
		chromedp.Click(chromedp.CSS("#send button")),
	)
	js := `(function(){var l=[...document.querySelectorAll('#messages li')].filter(function(li){return li.querySelector('.author').textContent===` +
		jsString(uid) + ` && li.querySelector('.text').textContent===` + jsString(text) + `});return l.length})()`
	deadline := time.Now().Add(30 * time.Second)
	for {
		if eval[int](t, to, js) == 1 {
			return
		}
		if time.Now().After(deadline) {
			got := eval[string](t, to, `document.getElementById('messages').textContent`)
			t.Fatalf("message %q from %s never shown; messages: %q", text, uid, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "<", `\x3c`)
	return "'" + r.Replace(s) + "'"
}

func waitTransport(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	act(t, ctx, "wait for transport "+want,
		chromedp.WaitVisible(chromedp.CSS(`#status[data-transport="`+want+`"]`)))
}

// Two users in two tabs: one sends, the other sees it live over the
// WebSocket; a message with <script> shows as text; a screenshot.
func TestBrowserWebSocket(t *testing.T) {
	c := startChat(t, testConfig(t))
	ctx := browser(t)
	alice, bob := ctx, tab(t, ctx)
	act(t, alice, "alice joins", chromedp.Navigate(c.base+"/"),
		chromedp.SetValue(chromedp.ID("uid"), "alice"), chromedp.Submit(chromedp.ID("uid")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/topic1/alice"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/topic1/alice"]`)))
	waitTransport(t, alice, "websocket")
	act(t, bob, "bob joins", chromedp.Navigate(c.base+"/topic1/bob"))
	waitTransport(t, bob, "websocket")

	cl := c.client()
	sendAndSee(t, alice, bob, "alice", "hello bob")
	waitMetric(t, cl, `chat_messages_delivered_total{transport="websocket"}`)
	sendAndSee(t, bob, alice, "bob", "hi alice, all good?")
	evil := `<script>window.pwned=1</script><img src=x onerror="window.pwned=2"><b>bold</b>`
	sendAndSee(t, alice, bob, "alice", evil)
	const markup = `window.pwned !== undefined || document.querySelectorAll('#messages b:not(.author), #messages img, #messages script').length > 0`
	if eval[bool](t, bob, markup) {
		t.Error("a message's markup became HTML in the live page")
	}
	// Reloading renders the same messages server-side, still escaped.
	act(t, bob, "reload", chromedp.Reload())
	waitTransport(t, bob, "websocket")
	if eval[bool](t, bob, markup) {
		t.Error("a message's markup became HTML in the server-rendered page")
	}
	sendAndSee(t, alice, bob, "alice", "after the reload")

	// A reload renders the room list with both users online.
	act(t, alice, "reload", chromedp.Reload())
	waitTransport(t, alice, "websocket")
	if n := eval[int](t, alice, `document.querySelectorAll('#messages li').length`); n != 4 {
		t.Errorf("after a reload the page shows %d messages, want 4", n)
	}
	png, err := chromedp.Run(alice, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.TempDir(), "chat.png")
	if out := os.Getenv("CHAT_SCREENSHOT"); out != "" {
		path = out
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// With the WebSocket refused, the page works by long polling.
func TestBrowserLongPollFallback(t *testing.T) {
	cfg := testConfig(t)
	cfg.PollTimeout = 2 * time.Second
	sq, err := openSQLite(cfg.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := startAppWith(t, cfg, sq, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/ws/") {
				http.Error(w, "no WebSocket here", http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	ctx := browser(t)
	alice, bob := ctx, tab(t, ctx)
	act(t, alice, "alice joins", chromedp.Navigate(c.base+"/topic2/alice"))
	act(t, bob, "bob joins", chromedp.Navigate(c.base+"/topic2/bob"))
	waitTransport(t, alice, "poll")
	waitTransport(t, bob, "poll")
	sendAndSee(t, alice, bob, "alice", "polling works")
	sendAndSee(t, bob, alice, "bob", "<script>also as text</script>")
	if eval[bool](t, alice, `document.querySelectorAll('#messages script').length > 0`) {
		t.Error("a script element was inserted")
	}
}
