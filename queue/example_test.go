package queue_test

import (
	"fmt"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

// A bounded JoinableQueue feeding two workers; Join waits until every item
// is processed, and Shutdown ends the workers' iteration.
func Example() {
	gevent.Run(func() {
		q := queue.NewJoinable[string](2)
		var workers []*gevent.Greenlet[struct{}]
		for _, name := range []string{"w1", "w2"} {
			workers = append(workers, gevent.Go(func() {
				for job := range q.All() {
					fmt.Println(name, "processed", job)
					q.TaskDone()
					gevent.Sleep(0) // let the other worker run
				}
			}))
		}
		for _, job := range []string{"a", "b", "c", "d"} {
			q.Put(job)
		}
		q.Join()
		fmt.Println("all done")
		q.Shutdown()
		gevent.JoinAll(workers)
	})
	// Output:
	// w1 processed a
	// w2 processed b
	// w1 processed c
	// w2 processed d
	// all done
}

// A Channel is a rendezvous: Put returns once a getter has the item.
func ExampleChannel() {
	gevent.Run(func() {
		c := queue.NewChannel[int]()
		gevent.Go(func() {
			for i := 1; i <= 3; i++ {
				c.Put(i)
			}
			c.Shutdown()
		})
		for v := range c.All() {
			fmt.Println("got", v)
		}
	})
	// Output:
	// got 1
	// got 2
	// got 3
}

// Items from a plain goroutine reach a greenlet of a hub.
func ExampleQueue_Share() {
	q := queue.New[string](0)
	q.Share() // the hub may block before the goroutine first puts
	go func() {
		q.Put("hello from a goroutine")
		q.Shutdown()
	}()
	gevent.Run(func() {
		for s := range q.All() {
			fmt.Println(s)
		}
	})
	// Output:
	// hello from a goroutine
}

func ExampleNewPriority() {
	q := queue.NewPriority[int](0)
	for _, v := range []int{3, 1, 2} {
		q.TryPut(v)
	}
	for range 3 {
		v, _ := q.TryGet()
		fmt.Print(v, " ")
	}
	fmt.Println()
	// Output: 1 2 3
}
