//go:build unix

package socket_test

import (
	"io"
	"net"
	"os"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
	"golang.org/x/sys/unix"
)

// pingPong runs b.N 64-byte round trips between a client and an echoing
// peer over a and z, started by spawn; both run until the client is done.
func pingPong(b *testing.B, a, z net.Conn, spawn func(func()), wait func()) {
	b.Helper()
	b.ReportAllocs()
	b.SetBytes(64)
	spawn(func() {
		buf := make([]byte, 4096)
		for {
			n, err := z.Read(buf)
			if err != nil {
				return
			}
			if _, err := z.Write(buf[:n]); err != nil {
				return
			}
		}
	})
	msg := make([]byte, 64)
	reply := make([]byte, 64)
	b.ResetTimer()
	for range b.N {
		if _, err := a.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(a, reply); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	a.Close()
	wait()
	z.Close()
}

// BenchmarkConnPingPong measures a 64-byte round trip over a Unix socketpair
// between two greenlets of one hub: ns per round trip (two reads, two writes,
// two parks and two wake-ups).
func BenchmarkConnPingPong(b *testing.B) {
	if err := gevent.Run(func() {
		a, z, err := socket.Socketpair()
		if err != nil {
			b.Fatal(err)
		}
		var g *gevent.Greenlet[struct{}]
		pingPong(b, a, z, func(f func()) { g = gevent.Go(f) }, func() { g.Join() })
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkNetConnPingPong is BenchmarkConnPingPong on package net with two
// goroutines, for comparison.
func BenchmarkNetConnPingPong(b *testing.B) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		b.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = c
	}
	done := make(chan struct{})
	pingPong(b, conns[0], conns[1], func(f func()) {
		go func() { defer close(done); f() }()
	}, func() { <-done })
}
