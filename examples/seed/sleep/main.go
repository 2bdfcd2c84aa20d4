// Command sleep is the seed article's first example: two greenlets that
// switch at gevent.Sleep(0).
package main

import (
	"fmt"

	"github.com/geventgo/gevent"
)

func test1() {
	fmt.Println(12)
	gevent.Sleep(0)
	fmt.Println(34)
}

func test2() {
	fmt.Println(56)
	gevent.Sleep(0)
	fmt.Println(78)
}

func main() {
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{
		gevent.Go(test1),
		gevent.Go(test2),
	})
}
