package main

import (
	"bufio"
	"github.com/geventgo/gevent/internal/leakcheck"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary run main instead of the tests.
const childEnv = "HELLO_MAIN_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	leakcheck.Main(m)
}

// TestHello runs the program with 1 and 2 hubs, gets / and a missing page
// over TCP, then stops it with SIGTERM: it exits with status 0.
func TestHello(t *testing.T) {
	for _, hubs := range []int{1, 2} {
		t.Run("hubs="+strconv.Itoa(hubs), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-addr", "127.0.0.1:0", "-hubs", strconv.Itoa(hubs))
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
			if err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`^hello: listening on (\S+) with (\d+) hub\(s\)\n$`).FindStringSubmatch(line)
			if m == nil || m[2] != strconv.Itoa(hubs) {
				t.Fatalf("first line %q", line)
			}
			client := &http.Client{Timeout: 10 * time.Second}
			for range 3 {
				resp, err := client.Get("http://" + m[1] + "/")
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(b) != "Hello, World!" || resp.Header.Get("Content-Type") != "text/plain" {
					t.Fatalf("GET /: %d %q %q", resp.StatusCode, b, resp.Header.Get("Content-Type"))
				}
			}
			resp, err := client.Get("http://" + m[1] + "/other")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("GET /other: %d", resp.StatusCode)
			}
			client.CloseIdleConnections()
			cmd.Process.Signal(syscall.SIGTERM)
			if err := cmd.Wait(); err != nil {
				t.Errorf("exit: %v", err)
			}
		})
	}
}
