// Command local is the seed article's greenlet-local example: f1 sets x to
// 1 and prints it; f2, another greenlet, cannot see it.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/local"
)

func main() { run(os.Stdout) }

func run(w io.Writer) {
	gevent.Run(func() {
		var x local.Local[int] // data.x in the article
		f1 := func() {
			x.Set(1)
			v, _ := x.Get()
			fmt.Fprintln(w, v)
		}
		f2 := func() {
			if v, ok := x.Get(); ok {
				fmt.Fprintln(w, v)
				return
			}
			fmt.Fprintln(w, "x is not visible")
		}
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(f1), gevent.Go(f2)})
	})
}
