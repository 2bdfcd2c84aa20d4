// Command queue is the seed article's Queue example: a producer puts the
// products 1 to 9 into a queue and three consumers take them in turn,
// switching at gevent.Sleep(0), until the queue is empty.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

func main() { run(os.Stdout) }

func run(w io.Writer) {
	gevent.Run(func() {
		products := queue.New[int](0)

		consumer := func(name string) func() {
			return func() {
				for !products.Empty() {
					p, err := products.Get()
					if err != nil {
						fmt.Fprintln(w, name, "failed:", err)
						return
					}
					fmt.Fprintln(w, name, "got product", p)
					gevent.Sleep(0)
				}
				fmt.Fprintln(w, name, "Quit")
			}
		}
		producer := func() {
			for i := 1; i < 10; i++ {
				products.Put(i)
			}
		}

		gevent.JoinAll([]*gevent.Greenlet[struct{}]{
			gevent.Go(producer),
			gevent.Go(consumer("steve")),
			gevent.Go(consumer("john")),
			gevent.Go(consumer("nancy")),
		})
	})
}
