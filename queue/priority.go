package queue

import "cmp"

// PriorityQueue is a Queue whose next item is always the least one by its
// ordering (gevent.queue.PriorityQueue, with Python's heapq: the smallest
// item first). Items that compare equal leave in an unspecified order. It is
// the same type as Queue, so that code written for a *Queue[T] accepts it.
type PriorityQueue[T any] = Queue[T]

// NewPriority returns an empty priority queue of ordered items, smallest
// first (by cmp.Less, so NaNs come first), that holds at most maxsize items;
// maxsize <= 0 means unbounded.
func NewPriority[T cmp.Ordered](maxsize int) *PriorityQueue[T] {
	return &Queue[T]{order: &heap[T]{less: cmp.Less[T]}, maxsize: maxsize}
}

// NewPriorityFunc returns an empty priority queue ordered by less, which
// must be a strict weak ordering: the item x for which less(x, y) holds for
// every other y leaves first. A nil less orders nothing: the queue is FIFO.
func NewPriorityFunc[T any](maxsize int, less func(a, b T) bool) *PriorityQueue[T] {
	if less == nil {
		return New[T](maxsize)
	}
	return &Queue[T]{order: &heap[T]{less: less}, maxsize: maxsize}
}

// heap is the priority store: a binary min-heap under less.
type heap[T any] struct {
	s    []T
	less func(a, b T) bool // immutable; never nil
}

func (h *heap[T]) len() int { return len(h.s) }

func (h *heap[T]) push(v T) {
	h.s = append(h.s, v)
	h.up(len(h.s) - 1)
}

func (h *heap[T]) pop() T {
	var zero T
	v := h.s[0]
	last := len(h.s) - 1
	h.s[0] = h.s[last]
	h.s[last] = zero
	h.s = h.s[:last]
	if last > 0 {
		h.down(0)
	}
	h.s = shrink(h.s)
	return v
}

func (h *heap[T]) peek() T { return h.s[0] }

func (h *heap[T]) unget(v T) { h.push(v) }

func (h *heap[T]) clear() int {
	n := len(h.s)
	h.s = nil
	return n
}

func (h *heap[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.s[i], h.s[p]) {
			return
		}
		h.s[i], h.s[p] = h.s[p], h.s[i]
		i = p
	}
}

func (h *heap[T]) down(i int) {
	n := len(h.s)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && h.less(h.s[c+1], h.s[c]) {
			c++
		}
		if !h.less(h.s[c], h.s[i]) {
			return
		}
		h.s[i], h.s[c] = h.s[c], h.s[i]
		i = c
	}
}
