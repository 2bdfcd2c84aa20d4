package hubapi

import (
	"sync/atomic"

	"github.com/geventgo/gevent/internal/hooks"
)

// LocalSlot is a key for per-greenlet storage, the primitive under package
// local. Each greenlet, each hub's owning goroutine and each plain goroutine
// sees its own value. A greenlet's values are dropped when it finishes.
type LocalSlot struct{ i int }

var localSlots atomic.Int64

// NewLocalSlot returns a new, distinct slot.
func NewLocalSlot() LocalSlot { return LocalSlot{int(localSlots.Add(1) - 1)} }

// Get returns the caller's value and whether it was set.
func (s LocalSlot) Get() (any, bool) { return hooks.LocalGet(s.i) }

// Set sets the caller's value.
func (s LocalSlot) Set(v any) { hooks.LocalSet(s.i, v) }

// Delete removes the caller's value.
func (s LocalSlot) Delete() { hooks.LocalDelete(s.i) }

// ResetLocals drops every value of the calling greenlet, as its end would:
// a greenlet that serves one client after another (httpserver's runners)
// calls it between them. On a hub goroutine or a plain goroutine it does
// nothing.
func ResetLocals() { hooks.LocalReset() }
