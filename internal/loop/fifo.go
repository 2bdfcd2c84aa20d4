package loop

import "github.com/geventgo/gevent/internal/ring"

// fifo is the loop's queue of callbacks and pending watchers: a growable
// ring buffer (internal/ring, which package queue's FIFO store uses too).
// The zero value is an empty queue.
type fifo[T any] struct {
	r ring.Ring[T]
}

func (q *fifo[T]) len() int { return q.r.Len() }

func (q *fifo[T]) push(v T) { q.r.PushBack(v) }

func (q *fifo[T]) pop() T { return q.r.PopFront() }

func (q *fifo[T]) front() T { return q.r.Front() }
