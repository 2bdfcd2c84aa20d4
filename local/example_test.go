package local_test

import (
	"fmt"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/local"
)

func ExampleLocal() {
	gevent.Run(func() {
		var x local.Local[int]
		f1 := gevent.Go(func() {
			x.Set(1)
			fmt.Println(x.Get())
		})
		f2 := gevent.Go(func() {
			fmt.Println(x.Get())
		})
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{f1, f2})
	})
	// Output:
	// 1 true
	// 0 false
}

func ExampleNew() {
	gevent.Run(func() {
		type request struct{ id int }
		next := 0
		current := local.New(func() *request {
			next++
			return &request{id: next}
		})
		for range 2 {
			gevent.Go(func() {
				r, _ := current.Get() // init runs here, once per greenlet
				r2, _ := current.Get()
				fmt.Println(r.id, r == r2)
			}).Join()
		}
	})
	// Output:
	// 1 true
	// 2 true
}
