package gevent

import (
	"sync"

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

// The per-context storage under package local (hubapi.LocalSlot): slot i
// of each greenlet, hub goroutine and plain goroutine.

type localEntry struct {
	v   any
	set bool
}

// plainLocals holds the values of goroutines without a hub, by goroutine
// id; they live until deleted.
var plainLocals sync.Map // int64 → *[]localEntry

func localEntries(i int, create bool) *[]localEntry {
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
	if create && len(*p) <= i {
		grown := make([]localEntry, i+1, max(i+1, 2*len(*p)))
		copy(grown, *p)
		*p = grown
	}
	return p
}

func localGet(i int) (any, bool) {
	p := localEntries(i, false)
	if p == nil || len(*p) <= i {
		return nil, false
	}
	e := (*p)[i]
	return e.v, e.set
}

func localSet(i int, v any) {
	p := localEntries(i, true)
	(*p)[i] = localEntry{v, true}
}

// localReset drops the calling greenlet's values, as its end would.
func localReset() {
	if _, t := current(); t != nil && t.g != nil {
		t.locals = nil
	}
}

func localDelete(i int) {
	if p := localEntries(i, false); p != nil && len(*p) > i {
		(*p)[i] = localEntry{}
	}
}
