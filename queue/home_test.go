package queue_test

import (
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

// TestHomeHandOverKeepsItems: a queue used by the greenlets of one hub runs
// without its mutex (hubapi.Enter); a plain goroutine that starts putting
// while the hub's producer and consumer are busy takes the queue over to
// the mutex without an item lost or delivered twice, and the hub's blocked
// consumer stays alive for it. -race reports a section of the home hub that
// ran unguarded after the hand-over.
func TestHomeHandOverKeepsItems(t *testing.T) {
	const rounds, homeItems, plainItems = 200, 300, 300
	for round := range rounds {
		q := queue.New[int](4)
		seen := make([]int, homeItems+plainItems)
		plainDone := make(chan struct{})
		run(t, func() {
			prod := gevent.Go(func() {
				for i := range homeItems {
					if err := q.Put(i); err != nil {
						t.Errorf("round %d: home Put(%d) = %v", round, i, err)
						return
					}
					if i == homeItems/3 {
						go func() {
							defer close(plainDone)
							for j := homeItems; j < homeItems+plainItems; j++ {
								if err := q.Put(j); err != nil {
									t.Errorf("round %d: plain Put(%d) = %v", round, j, err)
									return
								}
							}
						}()
					}
				}
			})
			cons := gevent.Go(func() {
				for range homeItems + plainItems {
					v, err := q.GetTimeout(10 * time.Second)
					if err != nil {
						t.Errorf("round %d: Get = %v", round, err)
						return
					}
					seen[v]++
				}
			})
			gevent.JoinAll([]*gevent.Greenlet[struct{}]{prod, cons})
		})
		<-plainDone
		for v, n := range seen {
			if n != 1 {
				t.Fatalf("round %d: item %d received %d times; want once", round, v, n)
			}
		}
		if n := q.Len(); n != 0 {
			t.Fatalf("round %d: Len = %d after every item was taken; want 0", round, n)
		}
	}
}
