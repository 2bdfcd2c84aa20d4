package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The seed's routes, as its page and jQuery script use them.
func TestSeedRoutes(t *testing.T) {
	cfg := testConfig(t)
	cfg.PollTimeout = 300 * time.Millisecond
	c := startChat(t, cfg)
	alice, bob := c.client(), c.client()

	r := must(t, alice.get("/"), 200, "GET /")
	if !strings.Contains(r.body, `name="uid"`) {
		t.Errorf("GET /: no name field in %q", r.body)
	}
	r = must(t, alice.get("/?uid=alice"), 200, "GET /?uid=alice") // redirected to /alice
	r = must(t, alice.get("/alice"), 200, "GET /alice")
	for _, room := range []string{"/topic1/alice", "/topic2/alice"} {
		if !strings.Contains(r.body, `href="`+room+`"`) {
			t.Errorf("GET /alice: no link to %s", room)
		}
	}

	hr, err := alice.hc.Get(c.base + "/topic1/alice")
	if err != nil {
		t.Fatal(err)
	}
	hr.Body.Close()
	if hr.StatusCode != 200 {
		t.Fatalf("join: %d", hr.StatusCode)
	}
	var ck *http.Cookie
	for _, k := range hr.Cookies() {
		if k.Name == "chat_alice" {
			ck = k
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
		t.Fatalf("join: session cookie %+v, want chat_alice HttpOnly SameSite=Strict Path=/", ck)
	}
	must(t, bob.get("/topic1/bob"), 200, "bob joins")

	// A poll with nothing to say answers [] after the poll timeout.
	start := time.Now()
	r = must(t, bob.poll("bob"), 200, "empty poll")
	if strings.TrimSpace(r.body) != "[]" || time.Since(start) < cfg.PollTimeout/2 {
		t.Errorf("empty poll: %q after %v, want [] after about %v", r.body, time.Since(start), cfg.PollTimeout)
	}

	// A waiting poll gets the message "uid:message" as a JSON string.
	cfg.PollTimeout = 10 * time.Second
	got := make(chan resp, 1)
	go func() { got <- bob.poll("bob") }()
	r = must(t, alice.put("topic1", "alice", "hello <b>bob</b>"), 200, "put")
	if r.body != "" {
		t.Errorf("put answered %q, want an empty body", r.body)
	}
	r = <-got
	must(t, r, 200, "poll")
	var s string
	if err := json.Unmarshal([]byte(r.body), &s); err != nil || s != "alice:hello <b>bob</b>" {
		t.Errorf("poll: %q (%v), want the JSON string \"alice:hello <b>bob</b>\"", r.body, err)
	}
	// The sender is subscribed too, and gets its own message.
	r = must(t, alice.poll("alice"), 200, "alice polls")
	if err := json.Unmarshal([]byte(r.body), &s); err != nil || s != "alice:hello <b>bob</b>" {
		t.Errorf("alice's poll: %q", r.body)
	}

	// The page shows the message escaped.
	r = must(t, bob.get("/topic1/bob"), 200, "rejoin")
	if strings.Contains(r.body, "<b>bob</b>") || !strings.Contains(r.body, "hello &lt;b&gt;bob&lt;/b&gt;") {
		t.Errorf("room page does not escape the message: %s", r.body)
	}
}

// Joining shows the room's last 25 messages, and history pages through all.
func TestBacklogAndHistory(t *testing.T) {
	cfg := testConfig(t)
	cfg.Rate = 100
	c := startChat(t, cfg)
	alice := c.client()
	must(t, alice.get("/topic2/alice"), 200, "join")
	for i := 1; i <= 30; i++ {
		must(t, alice.postJSON("topic2", map[string]string{"uid": "alice", "text": fmt.Sprintf("m%02d", i)}), 200, "post")
	}
	bob := c.client()
	r := must(t, bob.get("/topic2/bob"), 200, "bob joins")
	for i := 1; i <= 30; i++ {
		has := strings.Contains(r.body, fmt.Sprintf(">m%02d<", i))
		if has != (i > 5) {
			t.Errorf("join page: message m%02d shown=%v, want the last 25", i, has)
		}
	}
	h := decode[messagesJSON](t, must(t, bob.get("/api/rooms/topic2/messages?after=10&limit=7"), 200, "history"))
	if len(h.Messages) != 7 || h.Messages[0].ID != 11 || h.Messages[6].ID != 17 || !h.More {
		t.Errorf("history after=10 limit=7: %+v", h)
	}
	if h.Messages[0].Text != "m11" || h.Messages[0].UID != "alice" || h.Messages[0].Room != "topic2" || h.Messages[0].Time.IsZero() {
		t.Errorf("history message: %+v", h.Messages[0])
	}
	h = decode[messagesJSON](t, must(t, bob.get("/api/rooms/topic2/messages?after=28"), 200, "history"))
	if len(h.Messages) != 2 || h.More {
		t.Errorf("history after=28: %+v", h)
	}
	// The other room has its own ids.
	must(t, alice.get("/topic1/alice"), 200, "join topic1")
	m := decode[Message](t, must(t, alice.postJSON("topic1", map[string]string{"uid": "alice", "text": "first"}), 200, "post topic1"))
	if m.ID != 1 || m.Room != "topic1" {
		t.Errorf("first message of topic1: %+v", m)
	}
	rooms := decode[struct{ Rooms []roomJSON }](t, must(t, bob.get("/api/rooms"), 200, "rooms"))
	want := []roomJSON{{Name: "topic1", Online: 1, LastID: 1}, {Name: "topic2", Online: 2, LastID: 30}}
	if !slices.Equal(rooms.Rooms, want) {
		t.Errorf("rooms: %+v, want %+v", rooms.Rooms, want)
	}
}

// Messages posted at once by several users get ids 1..n, each poller sees
// them in id order, and none is lost.
func TestConcurrentPostsOrdered(t *testing.T) {
	cfg := testConfig(t)
	cfg.Rate = 1000
	c := startChat(t, cfg)
	const senders, each = 4, 15
	clients := make([]*client, senders)
	for i := range clients {
		clients[i] = c.client()
		must(t, clients[i].get(fmt.Sprintf("/topic1/u%d", i)), 200, "join")
	}
	reader := c.client()
	must(t, reader.get("/topic1/reader"), 200, "join")
	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Go(func() {
			for j := range each {
				r := cl.postJSON("topic1", map[string]string{"uid": fmt.Sprintf("u%d", i), "text": fmt.Sprint(j)})
				if r.code != 200 {
					t.Errorf("post: %d %s", r.code, r.body)
				}
			}
		})
	}
	var ids []int64
	for len(ids) < senders*each {
		p := decode[messagesJSON](t, must(t, reader.do("POST", "/api/poll/reader?timeout=5s", "", ""), 200, "poll"))
		if len(p.Messages) == 0 {
			t.Fatalf("poll timed out after %d messages", len(ids))
		}
		for _, m := range p.Messages {
			ids = append(ids, m.ID)
		}
	}
	wg.Wait()
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("delivered ids %v, want 1..%d in order", ids, senders*each)
		}
	}
}

// A user that does not poll is dropped after the idle timeout and its name
// is free; its old cookie no longer works.
func TestIdleUserDropped(t *testing.T) {
	cfg := testConfig(t)
	cfg.IdleTimeout = 300 * time.Millisecond
	c := startChat(t, cfg)
	first, second := c.client(), c.client()
	must(t, first.get("/topic1/alice"), 200, "join")
	must(t, second.get("/topic1/alice"), 409, "join while held")
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := second.get("/topic1/alice")
		if r.code == 200 {
			break
		}
		if r.code != 409 || time.Now().After(deadline) {
			t.Fatalf("join after the idle timeout: %d %q", r.code, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	must(t, first.poll("alice"), 403, "poll with the old session's cookie")
	rooms := decode[struct{ Rooms []roomJSON }](t, must(t, first.get("/api/rooms"), 200, "rooms"))
	if rooms.Rooms[0].Online != 1 {
		t.Errorf("online in topic1: %d, want 1", rooms.Rooms[0].Online)
	}
}

// A polling user keeps its name past the idle timeout.
func TestPollingKeepsName(t *testing.T) {
	cfg := testConfig(t)
	cfg.IdleTimeout = 300 * time.Millisecond
	cfg.PollTimeout = 100 * time.Millisecond
	c := startChat(t, cfg)
	alice := c.client()
	must(t, alice.get("/topic1/alice"), 200, "join")
	end := time.Now().Add(time.Second)
	for time.Now().Before(end) {
		must(t, alice.poll("alice"), 200, "poll")
	}
	must(t, c.client().get("/topic1/alice"), 409, "join by another browser")
}

// A slow reader's queue is bounded; it catches up through history.
func TestQueueBounded(t *testing.T) {
	cfg := testConfig(t)
	cfg.QueueSize = 3
	c := startChat(t, cfg)
	alice, bob := c.client(), c.client()
	must(t, alice.get("/topic1/alice"), 200, "join")
	must(t, bob.get("/topic1/bob"), 200, "join")
	for i := range 10 {
		must(t, alice.put("topic1", "alice", fmt.Sprint(i)), 200, "put")
	}
	p := decode[messagesJSON](t, must(t, bob.do("POST", "/api/poll/bob?timeout=1s", "", ""), 200, "poll"))
	if len(p.Messages) != 3 || p.Messages[0].ID != 1 || p.Messages[2].ID != 3 {
		t.Errorf("poll of a full queue: %+v, want messages 1..3", p.Messages)
	}
	h := decode[messagesJSON](t, must(t, bob.get("/api/rooms/topic1/messages?after=3"), 200, "history"))
	if len(h.Messages) != 7 {
		t.Errorf("history after 3: %d messages, want 7", len(h.Messages))
	}
	m := must(t, bob.get("/metrics"), 200, "metrics")
	// 10 messages to alice's and bob's queues of 3 each: 14 dropped.
	if !strings.Contains(m.body, "chat_messages_dropped_total 14") {
		t.Errorf("metrics: want chat_messages_dropped_total 14 in\n%s", grepLines(m.body, "chat_"))
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// History, the signing key and so the cookies survive a restart.
func TestRestartKeepsHistory(t *testing.T) {
	cfg := testConfig(t)
	c := startChat(t, cfg)
	alice := c.client()
	must(t, alice.get("/topic1/alice"), 200, "join")
	for i := range 3 {
		must(t, alice.put("topic1", "alice", fmt.Sprint("before ", i)), 200, "put")
	}
	if err := c.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	c2 := startChat(t, cfg)
	alice.base = c2.base
	// The user is gone with the process: poll is 404; the cookie takes the name back.
	must(t, alice.poll("alice"), 404, "poll after restart")
	r := must(t, alice.do("POST", "/api/join/topic1/alice", "", ""), 200, "rejoin")
	j := decode[messagesJSON](t, r)
	if len(j.Messages) != 3 || j.Messages[2].Text != "before 2" {
		t.Errorf("backlog after restart: %+v", j.Messages)
	}
	m := decode[Message](t, must(t, alice.postJSON("topic1", map[string]string{"uid": "alice", "text": "after"}), 200, "post"))
	if m.ID != 4 {
		t.Errorf("first id after restart: %d, want 4", m.ID)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	c := startChat(t, testConfig(t))
	cl := c.client()
	r := must(t, cl.get("/healthz"), 200, "healthz")
	if strings.TrimSpace(r.body) != "ok" {
		t.Errorf("healthz: %q", r.body)
	}
	must(t, cl.get("/topic1/alice"), 200, "join")
	must(t, cl.put("topic1", "alice", "x"), 200, "put")
	must(t, cl.poll("alice"), 200, "poll")
	r = must(t, cl.get("/metrics"), 200, "metrics")
	for _, want := range []string{
		"chat_users_online 1", "chat_messages_accepted_total 1",
		`chat_messages_delivered_total{transport="legacy_poll"} 1`, "chat_polls_total 1",
		`chat_storage_seconds_count{op="append"} 1`, "chat_websockets_total 0", "go_goroutines",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("metrics: no %q", want)
		}
	}
	if !strings.Contains(c.log.String(), "msg=request method=POST path=/put/topic1/alice status=200") {
		t.Errorf("access log: no line for the put in\n%s", c.log.String())
	}
}
