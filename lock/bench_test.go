package lock_test

import (
	"sync"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/lock"
)

// BenchmarkSemaphoreUncontended measures Acquire+Release of a free permit
// in one greenlet (gevent: 0.30 µs).
func BenchmarkSemaphoreUncontended(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		s := lock.NewSemaphore(1)
		g := gevent.Go(func() {
			b.ResetTimer()
			for range b.N {
				if err := s.Acquire(); err != nil {
					b.Error(err)
					return
				}
				s.Release()
			}
		})
		g.Join()
	})
}

// BenchmarkSemaphoreHandoff measures a permit passed back and forth between
// two greenlets of one hub through blocked Acquires: ns per hand-off.
func BenchmarkSemaphoreHandoff(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		ping := lock.NewSemaphore(0)
		pong := lock.NewSemaphore(0)
		n := b.N / 2
		g := gevent.Go(func() {
			for range n {
				ping.Acquire()
				pong.Release()
			}
		})
		gevent.Sleep(0)
		b.ResetTimer()
		for range n {
			ping.Release()
			pong.Acquire()
		}
		g.Join()
	})
}

// BenchmarkSemaphoreGoroutines measures Acquire+Release by plain goroutines
// contending for 2 permits, the cross-goroutine path.
func BenchmarkSemaphoreGoroutines(b *testing.B) {
	b.ReportAllocs()
	s := lock.NewSemaphore(2)
	var wg sync.WaitGroup
	const workers = 4
	per := b.N/workers + 1
	b.ResetTimer()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				s.Acquire()
				s.Release()
			}
		}()
	}
	wg.Wait()
}

// BenchmarkRLockUncontended measures Acquire+Release of a free RLock in one
// greenlet.
func BenchmarkRLockUncontended(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		var l lock.RLock
		g := gevent.Go(func() {
			b.ResetTimer()
			for range b.N {
				l.Acquire()
				l.Release()
			}
		})
		g.Join()
	})
}
