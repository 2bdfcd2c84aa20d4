// Command asyncresult is the seed article's AsyncResult example: five
// waiters block on an AsyncResult until a setter sets it to "Hello!", and
// each receives that message.
//
// The setter sleeps 3 s before it sets the result; -scale multiplies that
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
		var aevt event.AsyncResult[string]
		setter := func() {
			fmt.Fprintln(w, "Wait for me")
			gevent.Sleep(time.Duration(scale * float64(3*time.Second))) // wakes the waiters after 3 s
			fmt.Fprintln(w, "Ok, I'm done")
			aevt.Set("Hello!") // wake them, with a message
		}
		waiter := func() {
			fmt.Fprintln(w, "I'll wait for you")
			message, err := aevt.Get() // wait, and receive the message
			if err != nil {
				fmt.Fprintln(w, "Get:", err)
				return
			}
			fmt.Fprintf(w, "Got wake up message: %s\n", message)
		}
		gs := []*gevent.Greenlet[struct{}]{gevent.Go(setter)}
		for range 5 {
			gs = append(gs, gevent.Go(waiter))
		}
		gevent.JoinAll(gs)
	})
}
