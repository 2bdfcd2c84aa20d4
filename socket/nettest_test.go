//go:build unix

package socket_test

import (
	"net"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/socket"
	"golang.org/x/net/nettest"
)

// hubThread runs a hub on its own goroutine until stop is called, so that
// sockets it owns can serve other goroutines. do runs fn in a new greenlet of
// that hub and waits for it.
type hubThread struct {
	hub  *gevent.Hub
	quit *gevent.Waiter
	done chan struct{}
}

func startHub(t testing.TB) *hubThread {
	ht := &hubThread{done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(ht.done)
		gevent.Run(func() {
			ht.hub = gevent.CurrentHub()
			ht.quit = gevent.NewWaiter()
			hubapi.SetRef(ht.quit, true) // stay alive for other goroutines
			close(ready)
			ht.quit.Wait()
		})
	}()
	<-ready
	t.Cleanup(ht.stop)
	return ht
}

func (ht *hubThread) do(fn func()) {
	done := make(chan struct{})
	ht.hub.RunCallbackThreadsafe(func() {
		gevent.Go(func() {
			defer close(done)
			fn()
		})
	})
	<-done
}

func (ht *hubThread) stop() {
	ht.quit.Switch()
	<-ht.done
}

// pipe makes a connected pair on network, owned by ht's hub.
func (ht *hubThread) pipe(t *testing.T, network, addr string) (c1, c2 net.Conn, stop func(), err error) {
	ht.do(func() {
		var ln *socket.Listener
		ln, err = socket.Listen(network, addr)
		if err != nil {
			return
		}
		defer ln.Close()
		acc := gevent.Spawn(func() (*socket.Conn, error) { return ln.AcceptConn() })
		var d *socket.Conn
		d, err = socket.Dial(network, ln.Addr().String())
		if err != nil {
			return
		}
		var a *socket.Conn
		a, err = acc.Get()
		if err != nil {
			d.Close()
			return
		}
		c1, c2 = d, a
	})
	stop = func() {
		c1.Close()
		c2.Close()
	}
	return
}

func TestNettestConn(t *testing.T) {
	for _, tc := range []struct{ name, network, addr string }{
		{"TCP", "tcp", "127.0.0.1:0"},
		{"Unix", "unix", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ht := startHub(t)
			nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
				addr := tc.addr
				if tc.network == "unix" {
					f := t.TempDir() + "/n.sock"
					addr = f
				}
				return ht.pipe(t, tc.network, addr)
			})
		})
	}
}
