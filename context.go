package gevent

import (
	"sync"
	"sync/atomic"

	"github.com/geventgo/gevent/internal/goid"
)

// Current returns the calling greenlet as the *Greenlet[T] that Spawn
// returned (so it compares equal to it), or nil on a hub's owning goroutine,
// in a loop callback and on a plain goroutine (gevent.getcurrent).
func Current() any {
	_, t := current()
	if t == nil || t.g == nil {
		return nil
	}
	return t.g.r.self()
}

// InLoopCallback reports whether the caller runs inside a loop callback of
// a hub, where blocking calls fail with ErrBlockingSwitchOut. Objects use it
// to hand off or fail at once instead of waiting (gevent's "calls from the
// hub never block").
func InLoopCallback() bool {
	h, t := current()
	return h != nil && t == nil
}

// Here returns the calling goroutine's hub without creating one (nil for a
// goroutine without a hub) and whether the caller is a loop callback of it:
// CurrentHubIfAny and InLoopCallback in one look-up, for objects that decide
// on every call how to wait.
func Here() (h *Hub, inLoopCallback bool) {
	h, t := current()
	return h, h != nil && t == nil
}

// CurrentHubIfAny returns the calling goroutine's hub without creating one,
// or nil.
func CurrentHubIfAny() *Hub {
	h, _ := current()
	return h
}

// Affinity records which contexts use an object, so that waits on an object
// shared by several hubs or goroutines keep the waiting hub alive (see
// Waiter.SetRef), while an object used by one hub only keeps gevent's
// deadlock detection (ErrLoopExit). The zero value is ready to use and
// goroutine-safe.
type Affinity struct {
	home   atomic.Pointer[Hub]
	shared atomic.Bool
}

// Touch records the calling context and reports whether the object has been
// used by more than one hub, or by a goroutine without a hub.
func (a *Affinity) Touch() bool {
	if a.shared.Load() {
		return true
	}
	h, _ := current()
	if h == nil {
		a.shared.Store(true)
		return true
	}
	if home := a.home.Load(); home == h || (home == nil && a.home.CompareAndSwap(nil, h)) {
		return false
	}
	a.shared.Store(true)
	return true
}

// Share marks the object shared in advance, for an object that a hub will
// wait on before the other hub or goroutine that wakes it has touched it:
// its waits then keep the waiting hub alive from the start.
func (a *Affinity) Share() { a.shared.Store(true) }

// Home returns the hub the object has been used from, or nil when it is
// shared or has not been used. Objects return it from a Hub method, which
// JoinAll, Wait and IWait use to decide whether a wait keeps the hub alive.
func (a *Affinity) Home() *Hub {
	if a.shared.Load() {
		return nil
	}
	return a.home.Load()
}

// Shared reports whether Touch has seen more than one context.
func (a *Affinity) Shared() bool { return a.shared.Load() }

// LocalSlot is a key for per-greenlet storage, the primitive under package
// local. Each greenlet, each hub's owning goroutine and each plain goroutine
// sees its own value. A greenlet's values are dropped when it finishes.
type LocalSlot struct{ i int }

var localSlots atomic.Int64

type localEntry struct {
	v   any
	set bool
}

// plainLocals holds the values of goroutines without a hub, by goroutine
// id; they live until deleted.
var plainLocals sync.Map // int64 → *[]localEntry

// NewLocalSlot returns a new, distinct slot.
func NewLocalSlot() LocalSlot { return LocalSlot{int(localSlots.Add(1) - 1)} }

func (s LocalSlot) entries(create bool) *[]localEntry {
	var p *[]localEntry
	if _, t := current(); t != nil {
		p = &t.locals
	} else {
		id := goid.Get()
		v, ok := plainLocals.Load(id)
		if !ok {
			if !create {
				return nil
			}
			v, _ = plainLocals.LoadOrStore(id, new([]localEntry))
		}
		p = v.(*[]localEntry)
	}
	if create && len(*p) <= s.i {
		grown := make([]localEntry, s.i+1, max(s.i+1, 2*len(*p)))
		copy(grown, *p)
		*p = grown
	}
	return p
}

// Get returns the caller's value and whether it was set.
func (s LocalSlot) Get() (any, bool) {
	p := s.entries(false)
	if p == nil || len(*p) <= s.i {
		return nil, false
	}
	e := (*p)[s.i]
	return e.v, e.set
}

// Set sets the caller's value.
func (s LocalSlot) Set(v any) {
	p := s.entries(true)
	(*p)[s.i] = localEntry{v, true}
}

// Delete removes the caller's value.
func (s LocalSlot) Delete() {
	if p := s.entries(false); p != nil && len(*p) > s.i {
		(*p)[s.i] = localEntry{}
	}
}
