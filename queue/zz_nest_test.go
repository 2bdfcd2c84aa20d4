package queue_test

import (
	"fmt"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

func TestZNest(t *testing.T) {
	var log []string
	gevent.Run(func() {
		q := queue.New[int](1)
		b := gevent.Go(func() {
			for i := range 3 {
				v, _ := q.Get()
				log = append(log, fmt.Sprint("got ", v))
				if i == 1 {
					gevent.Go(func() { log = append(log, "x") })
					log = append(log, "spawned x")
				}
			}
			log = append(log, "cons done")
		})
		a := gevent.Go(func() {
			for i := 1; i <= 3; i++ {
				q.Put(i)
				log = append(log, fmt.Sprint("put ", i))
			}
			log = append(log, "prod done")
		})
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b})
		gevent.Sleep(0)
	})
	t.Log(log)
}
