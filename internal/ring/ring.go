// Package ring is a growable circular buffer: the FIFO of an event loop's
// callbacks and the store of a FIFO queue. Its array length is zero or a
// power of two, so that an index wraps with a mask instead of a division;
// it grows when full and shrinks when a large array is mostly empty, so that
// a burst does not pin its memory. A Ring is not goroutine-safe; its owner
// guards it. The zero Ring is empty and ready to use.
package ring

// minSize is the array length of a Ring's first allocation.
const minSize = 8

// shrinkAbove is the array length above which a Ring that uses less than a
// quarter of its array moves to one half the size.
const shrinkAbove = 64

// Ring is a double-ended queue of values of type T.
type Ring[T any] struct {
	buf  []T
	head int // index of the first value
	n    int // number of values
}

// Len returns the number of values.
func (r *Ring[T]) Len() int { return r.n }

// Cap returns the length of the array holding the values.
func (r *Ring[T]) Cap() int { return len(r.buf) }

// PushBack appends v.
func (r *Ring[T]) PushBack(v T) {
	if r.n == len(r.buf) {
		r.resize(max(minSize, 2*len(r.buf)))
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

// PushFront inserts v before the first value.
func (r *Ring[T]) PushFront(v T) {
	if r.n == len(r.buf) {
		r.resize(max(minSize, 2*len(r.buf)))
	}
	r.head = (r.head - 1) & (len(r.buf) - 1)
	r.buf[r.head] = v
	r.n++
}

// PopFront removes and returns the first value; the Ring must not be empty.
func (r *Ring[T]) PopFront() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	if len(r.buf) > shrinkAbove && r.n < len(r.buf)/4 {
		r.resize(len(r.buf) / 2)
	}
	return v
}

// Front returns the first value, left in place; the Ring must not be empty.
func (r *Ring[T]) Front() T { return r.buf[r.head] }

// Clear drops every value and the array, and returns how many values there
// were.
func (r *Ring[T]) Clear() int {
	n := r.n
	*r = Ring[T]{}
	return n
}

// resize moves the values, in order, to an array of length c >= r.n.
func (r *Ring[T]) resize(c int) {
	buf := make([]T, c)
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
	}
	r.buf, r.head = buf, 0
}
