package event_test

import (
	"fmt"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
)

func ExampleEvent() {
	gevent.Run(func() {
		var ready event.Event
		var gs []*gevent.Greenlet[struct{}]
		for i := range 3 {
			gs = append(gs, gevent.Go(func() {
				ready.Wait()
				fmt.Println("waiter", i, "woke")
			}))
		}
		gevent.Sleep(0) // let the waiters block
		fmt.Println("setting")
		ready.Set()
		gevent.JoinAll(gs)
	})
	// Output:
	// setting
	// waiter 0 woke
	// waiter 1 woke
	// waiter 2 woke
}

func ExampleAsyncResult_SetFrom() {
	gevent.Run(func() {
		var result event.AsyncResult[int]
		g := gevent.Spawn(func() (int, error) { return 6 * 7, nil })
		g.Link(result.SetFrom)
		fmt.Println(result.Get())
	})
	// Output:
	// 42 <nil>
}

// A plain goroutine can set an AsyncResult that a hub waits for.
func ExampleAsyncResult_goroutine() {
	var result event.AsyncResult[string]
	result.Ready() // used by a goroutine without a hub: shared
	gevent.Run(func() {
		go result.Set("from a goroutine")
		fmt.Println(result.Get())
	})
	// Output:
	// from a goroutine <nil>
}
