package event_test

import (
	"sync"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
)

// BenchmarkEventPingPong has two greenlets of one hub wake each other
// through two Events (Set, Wait, Clear); ns per wake-up.
func BenchmarkEventPingPong(b *testing.B) {
	b.ReportAllocs()
	gevent.Run(func() {
		var ping, pong event.Event
		rounds := b.N / 2
		a := gevent.Go(func() {
			for range rounds {
				ping.Set()
				pong.Wait()
				pong.Clear()
			}
		})
		c := gevent.Go(func() {
			for range rounds {
				ping.Wait()
				ping.Clear()
				pong.Set()
			}
		})
		b.ResetTimer()
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, c})
	})
}

// BenchmarkCrossHubAsyncResult measures a round trip between two hubs,
// each run by its own goroutine (gevent.Run), through AsyncResults: ns per
// round trip, i.e. two cross-hub wake-ups. An AsyncResult stays ready once
// set, so each message is a fresh AsyncResult: the sender creates the one
// for its next message, uses it (so that it is shared when the receiver
// waits on it), and passes it inside the value it sets. Each round trip so
// pays for two new AsyncResults, two Sets, two Gets that park the hub's
// owning goroutine, and two wake-ups through the other hub's goroutine-safe
// queue and its poller.
func BenchmarkCrossHubAsyncResult(b *testing.B) {
	b.ReportAllocs()
	first, second := new(event.AsyncResult[hop]), new(event.AsyncResult[hop])
	first.Ready() // used by a goroutine without a hub: shared from the start
	second.Ready()
	var wg sync.WaitGroup
	side := func(send, recv *event.AsyncResult[hop], starter bool) {
		defer wg.Done()
		gevent.Run(func() {
			if err := relay(send, recv, b.N, starter, -1); err != nil {
				b.Error(err)
			}
		})
	}
	b.ResetTimer()
	wg.Add(2)
	go side(first, second, true)
	go side(second, first, false)
	wg.Wait()
}
