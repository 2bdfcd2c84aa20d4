package gevent_test

import (
	"testing"
	"time"

	"github.com/geventgo/gevent"
)

// BenchmarkSleep0PingPong measures one Sleep(0) while two greenlets
// alternate: ns per Sleep(0).
func BenchmarkSleep0PingPong(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		n := b.N / 2
		body := func() {
			for range n {
				gevent.Sleep(0)
			}
		}
		g1, g2 := gevent.Go(body), gevent.Go(body)
		gevent.Sleep(0) // start both before timing
		b.ResetTimer()
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{g1, g2})
	})
}

// BenchmarkSpawnJoin measures spawning a no-op greenlet and joining it.
func BenchmarkSpawnJoin(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		noop := func() (int, error) { return 0, nil }
		gevent.Spawn(noop).Join() // warm a worker
		b.ResetTimer()
		for range b.N {
			gevent.Spawn(noop).Join()
		}
	})
}

// BenchmarkTimerSleep measures a Sleep(1µs) round trip through the timer
// heap and the poller.
func BenchmarkTimerSleep(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		g := gevent.Go(func() {
			for range b.N {
				gevent.Sleep(time.Microsecond)
			}
		})
		g.Join()
	})
}

// BenchmarkIWait1000 spawns 1,000 greenlets and consumes IWait over them;
// ns per greenlet.
func BenchmarkIWait1000(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		gs := make([]*gevent.Greenlet[int], 1000)
		b.ResetTimer()
		for n := 0; n < b.N; n += len(gs) {
			for i := range gs {
				gs[i] = gevent.Spawn(func() (int, error) { return i, nil })
			}
			for range gevent.IWait(gs) {
			}
		}
	})
}
