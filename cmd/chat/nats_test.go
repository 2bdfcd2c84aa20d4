package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// natsServer is a real NATS server with JetStream, run in the test.
type natsServer struct {
	t    *testing.T
	dir  string
	port int
	ns   *server.Server
}

// startNATS starts a NATS server with JetStream in dir on 127.0.0.1, on
// port (a random one if 0), until the test ends or stop.
func startNATS(t *testing.T, dir string, port int) *natsServer {
	t.Helper()
	opts := &server.Options{
		Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true, JetStreamMaxMemory: 64 << 20,
	}
	if port == 0 {
		opts.Port = server.RANDOM_PORT
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(20 * time.Second) {
		t.Fatal("the NATS server did not start")
	}
	s := &natsServer{t: t, dir: dir, port: ns.Addr().(*net.TCPAddr).Port, ns: ns}
	t.Cleanup(s.stop)
	return s
}

func (s *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.port) }

func (s *natsServer) stop() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// restart stops the server and starts it again on the same port and store.
func (s *natsServer) restart() *natsServer {
	s.stop()
	return startNATS(s.t, s.dir, s.port)
}

// on returns a browser with cl's cookies talking to node c.
func (cl *client) on(c *chat) *client {
	return &client{t: cl.t, base: c.base, hc: cl.hc}
}

func natsConfig(t *testing.T, ns *natsServer) Config {
	cfg := testConfig(t)
	cfg.NATS = ns.url()
	cfg.AccessLog = false
	return cfg
}

// pollUntil long-polls uid until a message containing want arrives.
func pollUntil(t *testing.T, cl *client, uid, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r := cl.poll(uid)
		if r.code == 200 && strings.Contains(r.body, want) {
			return
		}
		if r.code != 200 {
			time.Sleep(50 * time.Millisecond) // 503 while reconnecting
		}
	}
	t.Fatalf("%s never received %q", uid, want)
}

// putRetry posts until the answer is 200 (a node reconnecting to NATS
// answers 503 meanwhile).
func putRetry(t *testing.T, cl *client, room, uid, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := cl.put(room, uid, text)
		if r.code == 200 {
			return
		}
		if r.code != 503 || time.Now().After(deadline) {
			t.Fatalf("put %q: %d %q", text, r.code, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func historyOf(t *testing.T, cl *client, room string, after int64) []Message {
	t.Helper()
	r := must(t, cl.get(fmt.Sprintf("/api/rooms/%s/messages?after=%d", room, after)), 200, "history")
	return decode[messagesJSON](t, r).Messages
}

// checkIDs checks that ms are texts with the IDs from first on.
func checkIDs(t *testing.T, what string, ms []Message, first int64, texts ...string) {
	t.Helper()
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%d:%s", m.ID, m.Text))
	}
	var want []string
	for i, s := range texts {
		want = append(want, fmt.Sprintf("%d:%s", first+int64(i), s))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

// Two nodes on one NATS server form one chat: a message posted on A
// reaches a long poller and a WebSocket on B, a cookie of A is honoured by
// B, a name held on A is taken on B, and B serves the history. All of it
// survives a restart of the NATS server under running nodes, and then of
// both nodes.
func TestNATSCluster(t *testing.T) {
	ns := startNATS(t, t.TempDir(), 0)
	cfgA, cfgB := natsConfig(t, ns), natsConfig(t, ns)
	a, b := startChat(t, cfgA), startChat(t, cfgB)

	alice := a.client()
	must(t, alice.get("/topic1/alice"), 200, "alice joins on A")
	bob := b.client()
	must(t, bob.get("/topic1/bob"), 200, "bob joins on B")
	carol := b.client()
	must(t, carol.get("/topic1/carol"), 200, "carol joins on B")
	ws := dialWS(t, b, carol, "carol")
	waitMetric(t, bob, "chat_websockets_open 1")

	polled := make(chan resp, 1)
	go func() { polled <- bob.poll("bob") }()
	waitMetric(t, bob, "chat_polls_waiting 1")
	must(t, alice.put("topic1", "alice", "hello from A"), 200, "put on A")
	if r := <-polled; r.code != 200 || strings.TrimSpace(r.body) != `"alice:hello from A"` {
		t.Errorf("bob's poll on B: %d %q", r.code, r.body)
	}
	if m := ws.next(t); m.ID != 1 || m.UID != "alice" || m.Text != "hello from A" || m.Room != "topic1" {
		t.Errorf("carol's WebSocket on B: %+v", m)
	}

	// Alice's cookie from A on B: B adopts her session.
	aliceB := alice.on(b)
	r := must(t, aliceB.postJSON("topic1", map[string]string{"uid": "alice", "text": "now on B"}), 200, "alice posts on B")
	if m := decode[Message](t, r); m.ID != 2 {
		t.Errorf("post on B: %+v", m)
	}
	pollUntil(t, aliceB, "alice", "alice:now on B")
	// The name is held in the cluster: another browser cannot take it on B,
	// and a forged cookie is refused.
	must(t, b.client().get("/topic1/alice"), 409, "alice's name from another browser on B")
	must(t, bob.on(a).quickPoll("bob"), 200, "bob polls on A with B's cookie")
	// Rooms a session joins on one node are followed on the others.
	must(t, bob.get("/topic2/bob"), 200, "bob joins topic2 on B")
	must(t, alice.get("/topic2/alice"), 200, "alice joins topic2 on A")
	waitOnline(t, bob, "topic2", 2) // bob, and alice's session on B
	must(t, bob.put("topic2", "bob", "in topic2"), 200, "put in topic2 on B")
	pollUntil(t, aliceB, "alice", "bob:in topic2")
	checkIDs(t, "history on B", historyOf(t, bob, "topic1", 0), 1, "hello from A", "now on B")
	checkIDs(t, "history of the other room on A", historyOf(t, alice, "topic2", 0), 1, "in topic2")

	// The NATS server restarts under the running nodes.
	ns = ns.restart()
	putRetry(t, alice, "topic1", "alice", "after NATS restart")
	pollUntil(t, bob, "bob", "alice:after NATS restart")
	if m := ws.next(t); m.ID != 2 {
		t.Errorf("carol's WebSocket: %+v", m)
	}
	if m := ws.next(t); m.ID != 3 || m.Text != "after NATS restart" {
		t.Errorf("carol's WebSocket after the NATS restart: %+v", m)
	}
	must(t, carol.on(a).get("/topic2/carol"), 200, "carol joins topic2 on A after the NATS restart")
	waitOnline(t, bob, "topic2", 3) // B follows: the watch of names came back

	// Everything restarts: NATS and both nodes.
	ws.c.CloseNow()
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}
	ns.restart()
	a, b = startChat(t, cfgA), startChat(t, cfgB)
	alice, bob = alice.on(a), bob.on(b)
	checkIDs(t, "history on B after the restart", historyOf(t, bob, "topic1", 0), 1,
		"hello from A", "now on B", "after NATS restart")
	checkIDs(t, "paging on A after the restart", historyOf(t, alice, "topic1", 2), 3, "after NATS restart")
	// The cookies still hold (the key is in the cluster): no new join needed
	// while the names are live.
	must(t, bob.quickPoll("bob"), 200, "bob's cookie on B after the restart")
	must(t, alice.put("topic1", "alice", "after the restart"), 200, "alice's cookie after the restart")
	pollUntil(t, bob, "bob", "alice:after the restart")
	rb := must(t, bob.get("/topic1/bob"), 200, "bob joins again on B")
	if !strings.Contains(rb.body, "after the restart") {
		t.Errorf("backlog on B after the restart lacks the last message")
	}
}

// quickPoll is a JSON poll that does not wait.
func (cl *client) quickPoll(uid string) resp {
	return cl.do("POST", "/api/poll/"+uid+"?timeout=0s", "", "")
}

// waitOnline waits until the node of cl counts n users online in room.
func waitOnline(t *testing.T, cl *client, room string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rooms := decode[struct{ Rooms []roomJSON }](t, must(t, cl.get("/api/rooms"), 200, "rooms"))
		for _, r := range rooms.Rooms {
			if r.Name == room && r.Online == n {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never had %d users online: %+v", room, n, rooms.Rooms)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A name held on one node is refused on the other while its session is
// live there, and free in the whole chat an idle timeout after it stopped
// polling; a name kept alive by polls on B stays held.
func TestNATSNameExpires(t *testing.T) {
	ns := startNATS(t, t.TempDir(), 0)
	cfgA, cfgB := natsConfig(t, ns), natsConfig(t, ns)
	cfgA.IdleTimeout, cfgB.IdleTimeout = time.Second, time.Second
	a, b := startChat(t, cfgA), startChat(t, cfgB)
	alice := a.client()
	must(t, alice.get("/topic1/alice"), 200, "alice joins on A")
	must(t, b.client().get("/topic1/alice"), 409, "alice from another browser on B")
	// Bob joins on A and keeps polling on B for longer than the TTL.
	bob := a.client()
	must(t, bob.get("/topic1/bob"), 200, "bob joins on A")
	bobB := bob.on(b)
	start := time.Now()
	for time.Since(start) < 3*time.Second {
		r := bobB.do("POST", "/api/poll/bob?timeout=200ms", "", "")
		must(t, r, 200, "bob polls on B")
	}
	must(t, b.client().get("/topic1/bob"), 409, "bob, kept alive on B, from another browser")
	// Alice stopped: her name is free again on B.
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := b.client().get("/topic1/alice")
		if r.code == 200 {
			break
		}
		if r.code != 409 || time.Now().After(deadline) {
			t.Fatalf("join as the idle alice on B: %d %q", r.code, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The old session's cookie no longer holds the name anywhere.
	must(t, alice.put("topic1", "alice", "stale"), 403, "post with the old session's cookie")
}

// While the NATS server is down, posts, history and /healthz answer 503; once it is back, the node works again without a restart
// and nothing answered 200 is missing.
func TestNATSOutage(t *testing.T) {
	ns := startNATS(t, t.TempDir(), 0)
	c := startChat(t, natsConfig(t, ns))
	alice := c.client()
	must(t, alice.get("/topic1/alice"), 200, "join")
	must(t, alice.put("topic1", "alice", "before"), 200, "put")
	ns.stop()
	// Refused at once once the client has seen the disconnection, or after
	// the 5 s wait for a publish ack lost with the server.
	r := must(t, alice.put("topic1", "alice", "during"), 503, "put while NATS is down")
	if r.h.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	must(t, alice.get("/api/rooms/topic1/messages"), 503, "history while NATS is down")
	must(t, alice.get("/healthz"), 503, "healthz while NATS is down")
	startNATS(t, ns.dir, ns.port)
	putRetry(t, alice, "topic1", "alice", "after")
	deadline := time.Now().Add(20 * time.Second)
	for alice.get("/healthz").code != 200 {
		if time.Now().After(deadline) {
			t.Fatal("healthz not 200 after NATS came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	checkIDs(t, "history after the outage", historyOf(t, alice, "topic1", 0), 1, "before", "after")
}

func TestNATSFlags(t *testing.T) {
	env := map[string]string{"CHAT_NATS": "nats://127.0.0.1:4222", "CHAT_NATS_REPLICAS": "3"}
	cfg, _, err := parseConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || cfg.NATS != "nats://127.0.0.1:4222" || cfg.NATSReplicas != 3 {
		t.Errorf("from the environment: %q %d %v", cfg.NATS, cfg.NATSReplicas, err)
	}
	cfg, _, err = parseConfig([]string{"-nats", "nats://h:1"}, func(string) string { return "" }, io.Discard)
	if err != nil || cfg.NATS != "nats://h:1" || cfg.NATSReplicas != 1 {
		t.Errorf("from a flag: %q %d %v", cfg.NATS, cfg.NATSReplicas, err)
	}
	// No NATS server: the chat does not start.
	cfg = testConfig(t)
	cfg.NATS = "nats://127.0.0.1:1"
	if err := serve(t.Context(), cfg, slog.New(slog.DiscardHandler), nil); err == nil || !strings.Contains(err.Error(), "nats") {
		t.Errorf("serve without a NATS server: %v", err)
	}
}
