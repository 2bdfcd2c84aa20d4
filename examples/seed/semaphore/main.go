// Command semaphore is the seed article's semaphore example: six workers
// share a BoundedSemaphore of 2, so two at a time hold it. Each worker
// yields once (gevent.Sleep(0)) while it holds the semaphore, as in the
// article.
//
// Blocked workers get the semaphore in the order they blocked, so workers 4
// and 5 print as a pair like the others, as in current gevent (the
// article's old gevent woke waiters out of order).
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/lock"
)

func main() { run(os.Stdout) }

// run runs the example on a fresh hub and prints to w. Errors, which the
// example cannot produce, go to stderr.
func run(w io.Writer) {
	err := gevent.Run(func() {
		sem := lock.NewBoundedSemaphore(2)
		worker := func(n int) (struct{}, error) {
			if err := sem.Acquire(); err != nil {
				return struct{}{}, err
			}
			fmt.Fprintln(w, "Worker", n, "acquired semaphore")
			err := gevent.Sleep(0)
			if rerr := sem.Release(); rerr != nil {
				return struct{}{}, rerr
			}
			fmt.Fprintln(w, "Worker", n, "released semaphore")
			return struct{}{}, err
		}
		var gs []*gevent.Greenlet[struct{}]
		for i := range 6 {
			gs = append(gs, gevent.Spawn(func() (struct{}, error) { return worker(i) }))
		}
		if _, err := gevent.JoinAll(gs, gevent.RaiseError()); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
