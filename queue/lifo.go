package queue

// LifoQueue is a Queue whose items leave last in, first out
// (gevent.queue.LifoQueue). It is the same type as Queue, so that code
// written for a *Queue[T] accepts it; only the order differs.
type LifoQueue[T any] = Queue[T]

// NewLifo returns an empty LIFO queue that holds at most maxsize items;
// maxsize <= 0 means unbounded.
func NewLifo[T any](maxsize int) *LifoQueue[T] {
	return &Queue[T]{order: &stack[T]{}, maxsize: maxsize}
}

// stack is the LIFO store.
type stack[T any] struct {
	s []T
}

func (s *stack[T]) len() int { return len(s.s) }

func (s *stack[T]) push(v T) { s.s = append(s.s, v) }

func (s *stack[T]) pop() T {
	var zero T
	last := len(s.s) - 1
	v := s.s[last]
	s.s[last] = zero
	s.s = s.s[:last]
	s.s = shrink(s.s)
	return v
}

func (s *stack[T]) peek() T { return s.s[len(s.s)-1] }

// unget puts v back on top, where the next pop finds it.
func (s *stack[T]) unget(v T) { s.push(v) }

func (s *stack[T]) clear() int {
	n := len(s.s)
	s.s = nil
	return n
}

// shrink returns s in a smaller array when it uses a quarter of a large one,
// so that a burst does not pin its memory.
func shrink[T any](s []T) []T {
	if cap(s) > 64 && len(s) < cap(s)/4 {
		return append(make([]T, 0, cap(s)/2), s...)
	}
	return s
}
