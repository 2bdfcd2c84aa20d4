package pool_test

import (
	"slices"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/pool"
)

// BenchmarkPoolSpawn measures spawning a no-op greenlet into a Pool of 64
// (waiting for a slot when it is full) and its leaving the pool: ns per
// greenlet.
func BenchmarkPoolSpawn(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		p := pool.New(64)
		noop := func() (int, error) { return 0, nil }
		pool.Spawn(p, noop)
		p.Join() // warm the hub's workers
		b.ResetTimer()
		for range b.N {
			if _, err := pool.Spawn(p, noop); err != nil {
				b.Fatal(err)
			}
		}
		p.Join()
	})
}

// BenchmarkGroupSpawnJoin measures Spawn into a Group followed by Join of
// the group: one greenlet at a time.
func BenchmarkGroupSpawnJoin(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		g := pool.NewGroup()
		noop := func() (int, error) { return 0, nil }
		b.ResetTimer()
		for range b.N {
			pool.Spawn(g, noop)
			g.Join()
		}
	})
}

// BenchmarkIMap measures IMap over 1,000 items in a Pool of 16: ns per
// item.
func BenchmarkIMap(b *testing.B) {
	b.ReportAllocs()
	in := make([]int, 1000)
	gevent.Run(func() {
		p := pool.New(16)
		double := func(x int) (int, error) { return 2 * x, nil }
		b.ResetTimer()
		for n := 0; n < b.N; n += len(in) {
			for _, err := range pool.IMap(p, slices.Values(in), double) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
