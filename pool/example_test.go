package pool_test

import (
	"fmt"
	"slices"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/pool"
)

// A Pool of 2 runs at most two calls at once; IMap yields the results in
// input order.
func ExampleIMap() {
	gevent.Run(func() {
		p := pool.New(2)
		square := func(x int) (int, error) {
			gevent.Sleep(0)
			return x * x, nil
		}
		for v, err := range pool.IMap(p, slices.Values([]int{1, 2, 3, 4}), square) {
			fmt.Println(v, err)
		}
	})
	// Output:
	// 1 <nil>
	// 4 <nil>
	// 9 <nil>
	// 16 <nil>
}

// Spawn adds greenlets of any result type to a Group; Join waits for all.
func ExampleSpawn() {
	gevent.Run(func() {
		g := pool.NewGroup()
		n, _ := pool.Spawn(g, func() (int, error) { return 42, nil })
		s, _ := pool.Spawn(g, func() (string, error) { return "answer", nil })
		g.Join()
		fmt.Println(s.Value(), n.Value(), g.Len())
	})
	// Output: answer 42 0
}
