package local

import (
	"sync/atomic"

	"github.com/geventgo/gevent/internal/hubapi"
)

// Local holds one value of type T per greenlet (gevent.local.local): each
// greenlet, each hub's owning goroutine and each goroutine without a hub
// sees only the value it set itself. A greenlet's value is dropped when the
// greenlet finishes.
//
// The zero Local is ready to use and has no initialiser; New makes one that
// has. Every method may be called from any greenlet or goroutine and never
// blocks; it acts on the caller's own value only. A Local must not be
// copied after first use.
//
// Each Local takes a process-wide slot for its whole life, and every
// greenlet that uses it keeps a table as long as the highest slot it has
// used. Create Locals once (package variables, long-lived objects), not per
// request.
type Local[T any] struct {
	slot atomic.Pointer[hubapi.LocalSlot] // allocated on first use
	init func() T                         // nil for the zero Local; immutable
}

// cell is what a Local stores in a greenlet's slot. Its presence means the
// Local has been used by that greenlet (init has run); set tells whether
// it holds a value.
type cell[T any] struct {
	v   T
	set bool
}

// New returns a Local whose init runs once per greenlet, the first time that
// greenlet uses the Local (Get, Set or Delete), to make the greenlet's
// initial value — gevent's rule that a local subclass's __init__ runs again
// in each greenlet that touches the object. init runs on the caller, like
// any code of the greenlet, and must not use the same Local. A nil init
// gives a Local like the zero one.
func New[T any](init func() T) *Local[T] {
	return &Local[T]{init: init}
}

func (l *Local[T]) key() hubapi.LocalSlot {
	if p := l.slot.Load(); p != nil {
		return *p
	}
	s := hubapi.NewLocalSlot()
	l.slot.CompareAndSwap(nil, &s)
	return *l.slot.Load()
}

// cell returns the caller's cell, running init and storing its value the
// first time the caller uses a Local made by New. It returns nil for a
// zero Local the caller has not set.
func (l *Local[T]) cell() *cell[T] {
	k := l.key()
	if v, ok := k.Get(); ok {
		return v.(*cell[T])
	}
	if l.init == nil {
		return nil
	}
	c := &cell[T]{v: l.init(), set: true}
	k.Set(c)
	return c
}

// Get returns the caller's value and true, or the zero value and false if
// the caller has none: it never set one, or deleted it. For a Local made by
// New, the caller's first use runs init, and Get returns its value.
func (l *Local[T]) Get() (T, bool) {
	if c := l.cell(); c != nil && c.set {
		return c.v, true
	}
	var zero T
	return zero, false
}

// Set sets the caller's value. For a Local made by New, init still runs
// first if this is the caller's first use (its value is then replaced).
func (l *Local[T]) Set(v T) {
	if c := l.cell(); c != nil {
		c.v, c.set = v, true
		return
	}
	l.key().Set(&cell[T]{v: v, set: true})
}

// Delete removes the caller's value; Get then reports false until the next
// Set. Deleting does not make init run again: for a Local made by New, init
// runs once per greenlet (and runs now, if this is the caller's first use).
func (l *Local[T]) Delete() {
	if l.init == nil {
		l.key().Delete()
		return
	}
	c := l.cell()
	var zero T
	c.v, c.set = zero, false
}
