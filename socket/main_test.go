//go:build unix

package socket_test

import (
	"testing"

	"github.com/geventgo/gevent/internal/leakcheck"
	"github.com/geventgo/gevent/socket"
)

func TestMain(m *testing.M) {
	// The background hub (background.go) serves the sockets of goroutines
	// without a hub for the life of the process, as Go's netpoller does: a
	// socket made here, on a goroutine without a hub, starts it before the
	// leak check notes its baseline.
	if a, b, err := socket.Socketpair(); err == nil {
		a.Close()
		b.Close()
	}
	leakcheck.Main(m)
}
