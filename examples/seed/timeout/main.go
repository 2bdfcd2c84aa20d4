// Command timeout is the seed article's Timeout example in three parts: a
// Timeout(2s) started by main interrupts its Join of a greenlet that sleeps
// 10s; a scoped 1s timeout (WithTimeout) interrupts a 10s Sleep; and a
// Timeout with a custom error, TooLong, makes the interrupted Sleep return
// that error. The -scale flag multiplies every duration (tests use 0.01).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/geventgo/gevent"
)

// scale multiplies every duration of the program.
var scale = 1.0

// seconds returns s seconds, scaled.
func seconds(s float64) time.Duration {
	return time.Duration(s * scale * float64(time.Second))
}

// TooLong is the custom error of the third part (gevent's
// `class TooLong(Exception)`).
type TooLong struct{}

func (TooLong) Error() string { return "TooLong" }

func main() {
	flag.Float64Var(&scale, "scale", 1, "multiply every duration by this factor")
	flag.Parse()
	run(os.Stdout)
}

func run(w io.Writer) {
	gevent.Run(func() {
		// timeout = Timeout(2); timeout.start(): main's next blocking calls
		// are subject to it.
		timeout := gevent.NewTimeout(seconds(2), nil)
		timeout.Start()
		wait := func() { gevent.Sleep(seconds(10)) }
		if err := gevent.Go(wait).Join(); errors.Is(err, timeout) {
			fmt.Fprintln(w, "Could not complete")
		} else {
			fmt.Fprintln(w, "Join returned", err)
		}

		// with Timeout(1): gevent.sleep(10)
		err := gevent.WithTimeout(seconds(1), func() error { return gevent.Sleep(seconds(10)) })
		var to *gevent.Timeout
		if errors.As(err, &to) && to != timeout {
			fmt.Fprintln(w, "Scoped timeout expired")
		} else {
			fmt.Fprintln(w, "Scoped sleep returned", err)
		}

		// with Timeout(1, TooLong): gevent.sleep(10)
		tooLong := gevent.NewTimeout(seconds(1), TooLong{})
		tooLong.Start()
		err = gevent.Sleep(seconds(10))
		tooLong.Cancel()
		if errors.As(err, new(TooLong)) {
			fmt.Fprintln(w, "Custom error:", err)
		} else {
			fmt.Fprintln(w, "Sleep returned", err)
		}
	})
}
