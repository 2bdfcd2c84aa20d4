//go:build unix

package socket_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

// echoServer accepts connections on ln and echoes each in a greenlet.
func echoServer(ln *socket.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		gevent.Go(func() {
			defer c.Close()
			io.Copy(c, c)
		})
	}
}

func TestEchoTCP(t *testing.T) {
	for _, tc := range []struct{ network, addr string }{
		{"tcp", "127.0.0.1:0"},
		{"tcp6", "[::1]:0"},
		{"unix", ""},
	} {
		t.Run(tc.network, func(t *testing.T) {
			addr := tc.addr
			if tc.network == "unix" {
				addr = t.TempDir() + "/s.sock"
			}
			gevent.Run(func() {
				ln, err := socket.Listen(tc.network, addr)
				if err != nil {
					t.Skipf("Listen(%q): %v", tc.network, err)
				}
				srv := gevent.Go(func() { echoServer(ln) })
				var clients []*gevent.Greenlet[string]
				for i := range 10 {
					clients = append(clients, gevent.Spawn(func() (string, error) {
						c, err := socket.Dial(tc.network, ln.Addr().String())
						if err != nil {
							return "", err
						}
						defer c.Close()
						msg := bytes.Repeat([]byte{byte('a' + i)}, 100000)
						go_ := gevent.Spawn(func() (int, error) { return c.Write(msg) })
						got := make([]byte, len(msg))
						if _, err := io.ReadFull(c, got); err != nil {
							return "", err
						}
						if _, err := go_.Get(); err != nil {
							return "", err
						}
						if !bytes.Equal(got, msg) {
							return "", errors.New("echo mismatch")
						}
						return "ok", nil
					}))
				}
				done, err := gevent.JoinAll(clients, gevent.Within(10*time.Second))
				if err != nil || len(done) != len(clients) {
					t.Fatalf("JoinAll = %d done, %v; want %d, nil", len(done), err, len(clients))
				}
				for i, g := range clients {
					if v, err := g.Get(); v != "ok" || err != nil {
						t.Errorf("client %d = %q, %v; want ok, nil", i, v, err)
					}
				}
				ln.Close()
				srv.Join()
			})
		})
	}
}

func TestReadDeadline(t *testing.T) {
	gevent.Run(func() {
		a, b, err := socket.Socketpair()
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		defer b.Close()
		a.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		start := time.Now()
		_, err = a.Read(make([]byte, 1))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Read = %v; want ErrDeadlineExceeded", err)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Read error %v is not a net.Error timeout", err)
		}
		if d := time.Since(start); d < 15*time.Millisecond || d > 2*time.Second {
			t.Errorf("Read returned after %v; want about 20ms", d)
		}
	})
}
