package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run the chat's main in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("CHAT_TEST_MAIN") == "1" {
		os.Args = append([]string{"chat"}, strings.Fields(os.Getenv("CHAT_TEST_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

// The real program: flags and CHAT_* variables, then SIGTERM answers the
// poll in flight and exits 0.
func TestProcessSIGTERM(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CHAT_TEST_MAIN=1", "CHAT_TEST_ARGS=-addr 127.0.0.1:0 -poll-timeout 30s",
		"CHAT_DATA="+dir, "CHAT_ROOMS=lobby,dev", "CHAT_LOG_FORMAT=text")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base string
	urlRe := regexp.MustCompile(`url=(http://[0-9.:]+)/`)
	for base == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the chat exited before listening")
			}
			if m := urlRe.FindStringSubmatch(l); m != nil {
				base = m[1]
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the chat did not start listening")
		}
	}
	c := &chat{t: t, base: base}
	alice := c.client()
	must(t, alice.get("/lobby/alice"), 200, "join the room of $CHAT_ROOMS")
	must(t, alice.get("/topic1/alice"), 404, "a default room that $CHAT_ROOMS replaced")
	must(t, alice.put("lobby", "alice", "kept"), 200, "put")
	must(t, alice.poll("alice"), 200, "take it")
	polled := make(chan resp, 1)
	go func() { polled <- alice.poll("alice") }()
	waitMetric(t, alice, "chat_polls_waiting 1")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-polled
	if r.code != 200 || strings.TrimSpace(r.body) != "[]" {
		t.Errorf("poll in flight at SIGTERM: %d %q", r.code, r.body)
	}
	var log strings.Builder
	for l := range lines {
		fmt.Fprintln(&log, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "msg=stopped") {
		t.Errorf("no clean stop in the log:\n%s", log.String())
	}
	sq, err := openSQLite(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	ms, err := sq.History(t.Context(), "lobby", 0, 10)
	if err != nil || len(ms) != 1 {
		t.Errorf("history after SIGTERM: %+v %v", ms, err)
	}
}

// With several hubs, users on different hubs chat as on one.
func TestSeveralHubs(t *testing.T) {
	cfg := testConfig(t)
	cfg.Hubs = 2
	c := startChat(t, cfg)
	const n = 6
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = c.client() // one connection each: the kernel spreads them
		must(t, clients[i].get(fmt.Sprintf("/topic1/u%d", i)), 200, "join")
	}
	got := make(chan resp, n)
	for i := 1; i < n; i++ {
		go func() { got <- clients[i].poll(fmt.Sprintf("u%d", i)) }()
	}
	waitMetric(t, clients[0], fmt.Sprintf("chat_polls_waiting %d", n-1))
	must(t, clients[0].put("topic1", "u0", "to all hubs"), 200, "put")
	for i := 1; i < n; i++ {
		r := <-got
		if r.code != 200 || !strings.Contains(r.body, "u0:to all hubs") {
			t.Errorf("poll: %d %q", r.code, r.body)
		}
	}
}
