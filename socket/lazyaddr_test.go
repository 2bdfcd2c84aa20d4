//go:build unix

package socket_test

import (
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

// An accepted connection reads its local address when first asked: it must
// be the address the client dialed, also when first asked after Close, and
// from several goroutines at once.
func TestAcceptedLocalAddrLazy(t *testing.T) {
	gevent.Run(func() {
		ln, err := socket.Listen("tcp", ":0") // a wildcard: the local address is the one dialed
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		for i, ask := range []string{"before close", "after close", "concurrently"} {
			dial := gevent.Spawn(func() (*socket.Conn, error) {
				return socket.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			})
			c, err := ln.AcceptConn()
			if err != nil {
				t.Fatal(err)
			}
			dc, err := dial.Get()
			if err != nil {
				t.Fatal(err)
			}
			var got net.Addr
			switch i {
			case 0:
				got = c.LocalAddr()
				c.Close()
			case 1:
				c.Close()
				got = c.LocalAddr()
			case 2:
				var wg sync.WaitGroup
				addrs := make([]net.Addr, 4)
				for k := range addrs {
					wg.Add(1)
					go func() { defer wg.Done(); addrs[k] = c.LocalAddr() }()
				}
				gevent.Blocking(func() (struct{}, error) { wg.Wait(); return struct{}{}, nil })
				c.Close()
				for _, a := range addrs[1:] {
					if a.String() != addrs[0].String() {
						t.Errorf("concurrent LocalAddr calls disagree: %v, %v", addrs[0], a)
					}
				}
				got = addrs[0]
			}
			if want := dc.RemoteAddr().String(); got == nil || got.String() != want {
				t.Errorf("LocalAddr %s = %v; want %s", ask, got, want)
			}
			if want := dc.LocalAddr().String(); c.RemoteAddr().String() != want {
				t.Errorf("RemoteAddr = %v; want %s", c.RemoteAddr(), want)
			}
			dc.Close()
		}
	})
}
