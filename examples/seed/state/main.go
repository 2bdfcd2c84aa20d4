// Command state is the seed article's win/fail example: the state of two
// greenlets, one that returns a value and one that fails, before and after
// JoinAll. The failure stays in the loser: JoinAll returns no error and the
// program goes on. gevent prints the loser's traceback; here an error is a
// value, and since JoinAll observed the loser the hub reports nothing (it
// reports panics, and errors of greenlets nobody waited for).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/geventgo/gevent"
)

func win() (string, error) { return "You win!", nil }

func fail() (string, error) {
	//lint:ignore ST1005 the seed article's exact message
	return "", errors.New("You failed!")
}

func main() { run(os.Stdout) }

func run(w io.Writer) {
	gevent.Run(func() {
		winner := gevent.Spawn(win)
		loser := gevent.Spawn(fail)
		fmt.Fprintln(w, winner.Started()) // true
		fmt.Fprintln(w, loser.Started())  // true

		// The loser's error does not reach us here; we read it below.
		if _, err := gevent.JoinAll([]*gevent.Greenlet[string]{winner, loser}); err != nil {
			fmt.Fprintln(w, "This will never be reached")
		}

		fmt.Fprintln(w, winner.Ready())      // true
		fmt.Fprintln(w, loser.Ready())       // true
		fmt.Fprintln(w, winner.Value())      // You win!
		fmt.Fprintln(w, loser.Value())       // what fail returned: an empty line
		fmt.Fprintln(w, winner.Successful()) // true
		fmt.Fprintln(w, loser.Successful())  // false
		fmt.Fprintln(w, loser.Err())         // You failed!
	})
}
