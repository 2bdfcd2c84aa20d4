package lock_test

import (
	"errors"
	"fmt"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/lock"
)

// Three greenlets share a semaphore of one permit; they get it in the order
// they asked.
func ExampleSemaphore() {
	gevent.Run(func() {
		sem := lock.NewSemaphore(1)
		var gs []*gevent.Greenlet[struct{}]
		for i := range 3 {
			gs = append(gs, gevent.Go(func() {
				if err := sem.Acquire(); err != nil {
					return
				}
				defer sem.Release()
				fmt.Println(i, "in")
				gevent.Sleep(0)
				fmt.Println(i, "out")
			}))
		}
		gevent.JoinAll(gs)
	})
	// Output:
	// 0 in
	// 0 out
	// 1 in
	// 1 out
	// 2 in
	// 2 out
}

// An RLock may be taken again by its owner; others wait until every
// Acquire is released.
func ExampleRLock() {
	gevent.Run(func() {
		var l lock.RLock
		l.Acquire()
		l.Acquire()
		other := gevent.Go(func() {
			l.Acquire()
			fmt.Println("other got it")
			l.Release()
		})
		gevent.Sleep(0)
		fmt.Println("released once")
		l.Release()
		gevent.Sleep(0)
		fmt.Println("released twice")
		l.Release()
		other.Join()
		err := l.Release()
		fmt.Println(errors.Is(err, lock.ErrNotOwner))
	})
	// Output:
	// released once
	// released twice
	// other got it
	// true
}
