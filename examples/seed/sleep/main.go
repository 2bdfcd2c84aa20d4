// Command sleep is the seed article's first example: two greenlets that
// switch at gevent.Sleep(0). It prints 12, 56, 34, 78: each greenlet runs
// until its Sleep(0), which queues it behind the other.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/geventgo/gevent"
)

func main() { run(os.Stdout) }

func run(w io.Writer) {
	test1 := func() {
		fmt.Fprintln(w, 12)
		gevent.Sleep(0)
		fmt.Fprintln(w, 34)
	}
	test2 := func() {
		fmt.Fprintln(w, 56)
		gevent.Sleep(0)
		fmt.Fprintln(w, 78)
	}
	gevent.Run(func() {
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{
			gevent.Go(test1),
			gevent.Go(test2),
		})
	})
}
