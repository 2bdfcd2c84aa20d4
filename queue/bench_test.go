package queue_test

import (
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

// BenchmarkQueueHandoff passes b.N items through a Queue of size 1 from one
// producer greenlet to one consumer greenlet of the same hub: ns per item.
// It calls Put and Get directly, as BenchmarkGoChanHandoff uses its channel.
func BenchmarkQueueHandoff(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		q := queue.New[int](1)
		pass := func(n int) {
			prod := gevent.Go(func() {
				for i := range n {
					if err := q.Put(i); err != nil {
						b.Errorf("Put = %v; want nil", err)
						return
					}
				}
			})
			cons := gevent.Go(func() {
				for i := range n {
					if v, err := q.Get(); v != i || err != nil {
						b.Errorf("Get = %d, %v; want %d, nil", v, err, i)
						return
					}
				}
			})
			gevent.JoinAll([]*gevent.Greenlet[struct{}]{prod, cons})
		}
		pass(100) // warm up the workers, waiters and nodes
		b.ResetTimer()
		pass(b.N)
	})
}

// BenchmarkGoChanHandoff is the baseline of BenchmarkQueueHandoff (next to it
// in this file, so that go test runs the two one after the other): b.N
// items through a Go channel of size 1 from one producer goroutine to one
// consumer goroutine: ns per item.
func BenchmarkGoChanHandoff(b *testing.B) {
	b.ReportAllocs()
	pass := func(n int) {
		ch := make(chan int, 1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range n {
				if v := <-ch; v != i {
					b.Errorf("receive = %d; want %d", v, i)
					return
				}
			}
		}()
		for i := range n {
			ch <- i
		}
		<-done
	}
	pass(100)
	b.ResetTimer()
	pass(b.N)
}

// BenchmarkQueueHandoffFuncs is BenchmarkQueueHandoff with Put and Get
// called through func values, as BenchmarkChannelHandoff calls its
// Channel's: the difference is the cost of the indirect calls.
func BenchmarkQueueHandoffFuncs(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		q := queue.New[int](1)
		handoff(b, q.Put, q.Get)
	})
}

// BenchmarkChannelHandoff is BenchmarkQueueHandoff through a Channel.
func BenchmarkChannelHandoff(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		c := queue.NewChannel[int]()
		handoff(b, c.Put, c.Get)
	})
}

// handoff runs a warm-up round, then times b.N items from a producer to a
// consumer greenlet.
func handoff(b *testing.B, put func(int) error, get func() (int, error)) {
	pass := func(n int) {
		prod := gevent.Go(func() {
			for i := range n {
				if err := put(i); err != nil {
					b.Errorf("Put = %v; want nil", err)
					return
				}
			}
		})
		cons := gevent.Go(func() {
			for i := range n {
				if v, err := get(); v != i || err != nil {
					b.Errorf("Get = %d, %v; want %d, nil", v, err, i)
					return
				}
			}
		})
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{prod, cons})
	}
	pass(100) // warm up the workers, waiters and nodes
	b.ResetTimer()
	pass(b.N)
}
