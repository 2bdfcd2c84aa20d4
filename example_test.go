package gevent_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/geventgo/gevent"
)

// Greenlets start in spawn order once the spawner yields; JoinAll returns
// them in completion order.
func ExampleJoinAll() {
	gevent.Run(func() {
		work := func(name string, d time.Duration) *gevent.Greenlet[string] {
			return gevent.Spawn(func() (string, error) {
				fmt.Println("start", name)
				err := gevent.Sleep(d)
				return name, err
			})
		}
		gs := []*gevent.Greenlet[string]{work("slow", 20*time.Millisecond), work("fast", time.Millisecond)}
		done, err := gevent.JoinAll(gs)
		for _, g := range done {
			fmt.Println("done", g.Value())
		}
		fmt.Println(err)
	})
	// Output:
	// start slow
	// start fast
	// done fast
	// done slow
	// <nil>
}

// Two greenlets switch at Sleep(0): the seed article's first example.
func ExampleSpawn() {
	gevent.Run(func() {
		a := gevent.Go(func() { fmt.Println(12); gevent.Sleep(0); fmt.Println(34) })
		b := gevent.Go(func() { fmt.Println(56); gevent.Sleep(0); fmt.Println(78) })
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b})
	})
	// Output:
	// 12
	// 56
	// 34
	// 78
}

// A Timeout interrupts the blocking call of the context that started it;
// the error is the Timeout itself, told apart from others by identity.
func ExampleTimeout() {
	gevent.Run(func() {
		to := gevent.NewTimeout(10*time.Millisecond, nil)
		to.Start()
		defer to.Cancel()
		err := gevent.Sleep(time.Hour)
		fmt.Println(errors.Is(err, to), errors.Is(err, gevent.ErrTimeout))
		fmt.Println(err)
	})
	// Output:
	// true true
	// gevent: timeout: 0.01 seconds
}

func ExampleWithTimeout() {
	gevent.Run(func() {
		err := gevent.WithTimeout(10*time.Millisecond, func() error {
			return gevent.Sleep(time.Hour)
		})
		fmt.Println(err)
		err = gevent.WithTimeout(time.Hour, func() error { return gevent.Sleep(time.Millisecond) })
		fmt.Println(err)
	})
	// Output:
	// gevent: timeout: 0.01 seconds
	// <nil>
}

// IWait yields greenlets as they finish; the error is non-nil only in a
// last pair, when the wait itself is interrupted (a kill, an outer Timeout).
func ExampleIWait() {
	gevent.Run(func() {
		var gs []*gevent.Greenlet[int]
		for _, ms := range []int{30, 10, 20} {
			gs = append(gs, gevent.Spawn(func() (int, error) {
				return ms, gevent.Sleep(time.Duration(ms) * time.Millisecond)
			}))
		}
		for g, err := range gevent.IWait(gs) {
			if err != nil {
				fmt.Println("interrupted:", err)
				break
			}
			fmt.Println(g.Value())
		}
	})
	// Output:
	// 10
	// 20
	// 30
}

func ExampleGreenlet_Link() {
	gevent.Run(func() {
		g := gevent.Spawn(func() (int, error) { return 6 * 7, nil })
		g.Link(func(g *gevent.Greenlet[int]) { fmt.Println("link sees", g.Value()) })
		g.Join()
		fmt.Println("joined")
	})
	// Output:
	// link sees 42
	// joined
}
