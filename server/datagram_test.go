package server

import (
	"cmp"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

// upper replies with the datagram in upper case.
func upper(data []byte, addr net.Addr, reply func([]byte) error) {
	reply([]byte(strings.ToUpper(string(data))))
}

// exchange sends msg from pc to addr and reads one reply.
func exchange(pc *socket.PacketConn, addr net.Addr, msg string) (string, net.Addr, error) {
	if _, err := pc.WriteTo([]byte(msg), addr); err != nil {
		return "", nil, err
	}
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, from, err := pc.ReadFrom(buf)
	return string(buf[:n]), from, err
}

func TestDatagramEcho(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		network, addr, client string
	}{
		{"", "127.0.0.1:0", "127.0.0.1:0"},
		{"udp4", "127.0.0.1:0", "127.0.0.1:0"},
		{"unixgram", filepath.Join(dir, "server.sock"), filepath.Join(dir, "client.sock")},
	}
	for _, tt := range tests {
		t.Run(cmp.Or(tt.network, "default"), func(t *testing.T) {
			run(t, func() {
				var peers []string
				s := &DatagramServer{Network: tt.network, Addr: tt.addr, Handler: func(data []byte, addr net.Addr, reply func([]byte) error) {
					peers = append(peers, addr.String())
					upper(data, addr, reply)
				}}
				if a := s.LocalAddr(); a != nil {
					t.Errorf("LocalAddr before Start = %v; want nil", a)
				}
				if err := s.Start(); err != nil {
					t.Fatalf("Start = %v", err)
				}
				defer s.Close()
				clientNet := "udp"
				if tt.network == "unixgram" {
					clientNet = "unixgram"
				}
				pc, err := socket.ListenPacket(clientNet, tt.client)
				if err != nil {
					t.Fatal(err)
				}
				defer pc.Close()
				for _, msg := range []string{"ping", "pong"} {
					got, from, err := exchange(pc, s.LocalAddr(), msg)
					if got != strings.ToUpper(msg) || err != nil {
						t.Errorf("reply = %q, %v; want %q, nil", got, err, strings.ToUpper(msg))
					}
					if from == nil || from.String() != s.LocalAddr().String() {
						t.Errorf("reply from %v; want %v", from, s.LocalAddr())
					}
				}
				if len(peers) != 2 || peers[0] != pc.LocalAddr().String() {
					t.Errorf("handler addrs = %q; want the client's %v twice", peers, pc.LocalAddr())
				}
			})
		})
	}
}

// TestDatagramOwnCopy: each handler gets its own copy of its datagram,
// which later reads do not overwrite; MaxSize truncates.
func TestDatagramOwnCopy(t *testing.T) {
	run(t, func() {
		s := &DatagramServer{Addr: "127.0.0.1:0", MaxSize: 12, Handler: func(data []byte, addr net.Addr, reply func([]byte) error) {
			gevent.Sleep(20 * time.Millisecond) // the reader goes on meanwhile
			reply(data)
		}}
		if err := s.Start(); err != nil {
			t.Fatalf("Start = %v", err)
		}
		defer s.Close()
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		for _, msg := range []string{"a long message", "x"} {
			pc.WriteTo([]byte(msg), s.LocalAddr())
		}
		var got []string
		buf := make([]byte, 100)
		pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		for range 2 {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				t.Fatalf("ReadFrom = %v", err)
			}
			got = append(got, string(buf[:n]))
		}
		if strings.Join(got, "|") != "a long messa|x" {
			t.Errorf("replies = %q; want [\"a long messa\" \"x\"] (truncated to MaxSize, not overwritten)", got)
		}
	})
}

func TestDatagramLifecycle(t *testing.T) {
	run(t, func() {
		var s DatagramServer
		const want = "server: DatagramServer.Handler is nil"
		if err := s.Start(); err == nil || err.Error() != want {
			t.Errorf("Start = %v; want %q", err, want)
		}
		if err := s.ServeForever(); err == nil || err.Error() != want {
			t.Errorf("ServeForever = %v; want %q", err, want)
		}

		s.Handler = upper
		s.Addr = "127.0.0.1:0"
		var serveErr error
		g := gevent.Go(func() { serveErr = s.ServeForever() })
		gevent.Sleep(0)
		if s.LocalAddr() == nil {
			t.Fatal("LocalAddr = nil after ServeForever started")
		}
		if err := s.Start(); err != nil {
			t.Errorf("second Start = %v; want nil (already started)", err)
		}
		gevent.Go(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close = %v; want nil", err)
			}
		})
		if g.JoinTimeout(5 * time.Second); !g.Dead() || serveErr != ErrServerClosed {
			t.Errorf("ServeForever: dead %v, %v; want true, ErrServerClosed", g.Dead(), serveErr)
		}
		if err := s.Close(); err != ErrServerClosed {
			t.Errorf("second Close = %v; want ErrServerClosed", err)
		}
		if err := s.Start(); err != ErrServerClosed {
			t.Errorf("Start after Close = %v; want ErrServerClosed", err)
		}

		var before DatagramServer
		if err := before.Close(); err != nil {
			t.Errorf("Close before Start = %v; want nil", err)
		}
		before.Handler = upper
		if err := before.Start(); err != ErrServerClosed {
			t.Errorf("Start after Close = %v; want ErrServerClosed", err)
		}
	})
}

// TestDatagramCloseFromGoroutine closes a server serving on another
// goroutine's hub; a handler still running then fails to reply.
func TestDatagramCloseFromGoroutine(t *testing.T) {
	entered := make(chan struct{})
	closed := make(chan struct{})
	replyErr := make(chan error, 1)
	handled := make(chan struct{})
	s := &DatagramServer{Addr: "127.0.0.1:0", Handler: func(data []byte, addr net.Addr, reply func([]byte) error) {
		close(entered)
		for !isClosed(closed) {
			gevent.Sleep(time.Millisecond)
		}
		replyErr <- reply(data)
		close(handled)
	}}
	ready := make(chan error, 1)
	result := make(chan error, 1)
	hubDone := make(chan struct{})
	defer func() { <-hubDone }() // the hub is gone before the test ends
	go func() {
		defer close(hubDone)
		gevent.Run(func() {
			err := s.Start()
			ready <- err
			if err == nil {
				result <- s.ServeForever()
				for !isClosed(handled) { // let the handler finish
					gevent.Sleep(time.Millisecond)
				}
			}
		})
	}()
	if err := <-ready; err != nil {
		t.Fatalf("Start = %v", err)
	}
	c, err := net.Dial("udp", s.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("late"))
	<-entered
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v; want nil", err)
	}
	close(closed)
	if err := waitResult(t, "ServeForever", result); err != ErrServerClosed {
		t.Errorf("ServeForever = %v; want ErrServerClosed", err)
	}
	if err := waitResult(t, "reply", replyErr); err == nil {
		t.Error("reply after Close = nil; want an error")
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
