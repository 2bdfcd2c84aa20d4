//go:build unix

package socket

// A socket is served by the event loop of the hub that owns it, so that hub
// must keep running for the socket's waits to finish. A goroutine without a
// hub — net/http's dialing and connection goroutines, a crypto/tls or
// WebSocket helper — has no loop that keeps running: if it created a hub
// lazily, that hub would stop serving the socket when the goroutine moved on
// (net/http dials on one goroutine and reads on another, so the read would
// wait forever), and the hub's epoll and wake-up descriptors would leak with
// the goroutine. Sockets and readiness waits of such goroutines are therefore
// given to one background hub, started on first use on its own goroutine and
// kept running for the life of the process, as Go's netpoller thread is.

import (
	"errors"
	"sync"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/loop"
)

// background is the hub that owns the sockets of goroutines without a hub.
var background struct {
	once sync.Once
	hub  *gevent.Hub // nil if its loop could not be created
}

// ownerHub returns the hub a new socket belongs to: the caller's, or the
// background hub for a goroutine without one. It returns nil only if no
// event loop can be created.
func ownerHub() *gevent.Hub {
	if h := hubapi.CurrentHubIfAny(); h != nil {
		return h
	}
	background.once.Do(startBackground)
	return background.hub
}

// startBackground starts the background hub and waits until it runs.
func startBackground() {
	ready := make(chan struct{})
	go func() {
		var once sync.Once
		signal := func() { once.Do(func() { close(ready) }) }
		defer signal() // gevent.Run failed: background.hub stays nil
		gevent.Run(func() {
			background.hub = gevent.CurrentHub()
			forever := gevent.NewWaiter()
			hubapi.SetRef(forever, true) // the loop stays alive with nothing to do
			signal()
			forever.Wait()
		})
	}()
	<-ready
}

// waitFDBackground is waitFD for a goroutine without a hub: the watcher
// lives on the background hub and the goroutine blocks. The watcher is
// closed before it returns, so the caller may close fd at once.
func waitFDBackground(fd int, ev loop.Interest, timeout time.Duration) error {
	h := ownerHub()
	if h == nil {
		return errors.New("socket: cannot create a hub for this goroutine")
	}
	w := gevent.NewWaiter()
	var io *loop.IO // background-hub only
	err := h.RunCallbackThreadsafe(func() {
		var err error
		io, err = hubapi.Loop(h).NewIO(fd, ev, func(loop.Interest) { w.Switch() })
		if err == nil {
			err = io.Start()
		}
		if err != nil {
			w.Throw(err)
		}
	})
	if err != nil {
		return err
	}
	ok := true
	if timeout < 0 {
		err = w.Wait()
	} else {
		ok, err = w.WaitTimeout(timeout)
	}
	closed := make(chan struct{})
	if h.RunCallbackThreadsafe(func() {
		if io != nil {
			io.Close()
		}
		close(closed)
	}) == nil {
		<-closed
	}
	if err == nil && !ok {
		return ErrWaitTimeout
	}
	return err
}
