package queue_test

import (
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

// TestWaitAfterNewHub: a goroutine that runs gevent.Run twice gets a new hub
// the second time while keeping its local values; the Waiter it reuses for
// queue waits must follow it to the new hub.
func TestWaitAfterNewHub(t *testing.T) {
	for i := range 3 {
		var got []int
		err := gevent.Run(func() {
			c := queue.NewChannel[int]()
			gevent.Go(func() {
				for v := 1; v <= 3; v++ {
					if err := c.Put(v); err != nil {
						t.Errorf("Put(%d) = %v", v, err)
					}
				}
				c.Shutdown()
			})
			for {
				v, err := c.Get()
				if err != nil {
					if err != queue.ErrShutDown {
						t.Errorf("Get = %v; want ErrShutDown", err)
					}
					return
				}
				got = append(got, v)
			}
		})
		if err != nil || len(got) != 3 {
			t.Fatalf("run %d: Run = %v, got %v; want nil, [1 2 3]", i, err, got)
		}
	}
}
