// Command event is the seed article's Event example: five waiters block on
// an Event until a setter sets it.
//
// The setter sleeps 3 s before it sets the Event; -scale multiplies that
// (the test uses a small value). The order of the lines is the same at any
// scale.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
)

// scale multiplies the setter's sleep.
var scale = 1.0

func main() {
	flag.Float64Var(&scale, "scale", scale, "multiply the setter's 3 s sleep by this factor")
	flag.Parse()
	run(os.Stdout)
}

func run(w io.Writer) {
	gevent.Run(func() {
		var evt event.Event
		setter := func() {
			fmt.Fprintln(w, "Wait for me")
			gevent.Sleep(time.Duration(scale * float64(3*time.Second))) // wakes the waiters after 3 s
			fmt.Fprintln(w, "Ok, I'm done")
			evt.Set() // wake them
		}
		waiter := func() {
			fmt.Fprintln(w, "I'll wait for you")
			if err := evt.Wait(); err != nil {
				fmt.Fprintln(w, "Wait:", err)
				return
			}
			fmt.Fprintln(w, "Finish waiting")
		}
		gs := []*gevent.Greenlet[struct{}]{gevent.Go(setter)}
		for range 5 {
			gs = append(gs, gevent.Go(waiter))
		}
		gevent.JoinAll(gs)
	})
}
