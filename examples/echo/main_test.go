package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/leakcheck"
	"github.com/geventgo/gevent/server"
)

// childEnv makes the test binary run main instead of the tests.
const childEnv = "ECHO_MAIN_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	leakcheck.Main(m)
}

// checkEcho connects n clients at once to addr and checks that each gets
// its own messages back.
func checkEcho(t *testing.T, addr string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Errorf("Dial = %v", err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			for j := range 3 {
				msg := fmt.Sprintf("client %d message %d", i, j)
				if _, err := c.Write([]byte(msg)); err != nil {
					t.Errorf("Write = %v", err)
					return
				}
				buf := make([]byte, len(msg))
				if _, err := io.ReadFull(c, buf); string(buf) != msg || err != nil {
					t.Errorf("echo = %q, %v; want %q, nil", buf, err, msg)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestRun runs the server in process with 1 and 2 hubs, checks the echo for
// a few clients, then stops it: run returns nil.
func TestRun(t *testing.T) {
	for _, hubs := range []int{1, 2} {
		t.Run("hubs="+strconv.Itoa(hubs), func(t *testing.T) {
			var log bytes.Buffer // written before ready is called
			started := make(chan *server.StreamServer, 1)
			result := make(chan error, 1)
			go func() {
				result <- run("127.0.0.1:0", hubs, &log, func(s *server.StreamServer) { started <- s })
			}()
			var srv *server.StreamServer
			select {
			case srv = <-started:
			case err := <-result:
				t.Fatalf("run = %v before serving", err)
			}
			want := fmt.Sprintf("echo: listening on %v with %d hub(s)\n", srv.LocalAddr(), hubs)
			if log.String() != want {
				t.Errorf("log = %q; want %q", log.String(), want)
			}
			checkEcho(t, srv.LocalAddr().String(), 8)
			if err := srv.Stop(time.Second); err != nil {
				t.Errorf("Stop = %v", err)
			}
			select {
			case err := <-result:
				if err != nil {
					t.Errorf("run = %v; want nil", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("run did not return within 10s of Stop")
			}
		})
	}
}

// TestRunError: run reports a Start error instead of exiting.
func TestRunError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = run(ln.Addr().String(), 1, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("run on a taken address = %v; want address already in use", err)
	}
}

// TestMainSignals runs the command itself (this test binary re-executed as
// main) with -addr and -hubs, checks the echo, and stops it with SIGINT or
// SIGTERM: it exits with status 0.
func TestMainSignals(t *testing.T) {
	tests := []struct {
		sig  syscall.Signal
		hubs string
	}{
		{syscall.SIGINT, "1"},
		{syscall.SIGTERM, "2"},
	}
	listening := regexp.MustCompile(`^echo: listening on (\S+) with (\d+) hub\(s\)$`)
	for _, tt := range tests {
		t.Run(tt.sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-addr", "127.0.0.1:0", "-hubs", tt.hubs)
			cmd.Env = append(os.Environ(), childEnv+"=1")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			line, err := bufio.NewReader(stderr).ReadString('\n')
			m := listening.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
			if err != nil || m == nil || m[2] != tt.hubs {
				t.Fatalf("first line = %q, %v; want \"echo: listening on ADDR with %s hub(s)\"", line, err, tt.hubs)
			}
			checkEcho(t, m[1], 4)
			cmd.Process.Signal(tt.sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("echo after %v: %v; want exit status 0", tt.sig, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("echo still running 10s after %v", tt.sig)
			}
		})
	}
}
