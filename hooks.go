package gevent

import (
	"github.com/geventgo/gevent/internal/hooks"
	"github.com/geventgo/gevent/internal/loop"
)

// The machinery that only the module's own objects use (the calling
// context, the loop, the Waiter operations of objects that reuse Waiters,
// per-context slots) reaches them through internal/hooks, wrapped by
// internal/hubapi, instead of exported API.
func init() {
	hooks.Here = func() (any, bool) {
		h, t := current()
		if h == nil {
			return nil, false
		}
		// The module's objects may keep the hub they are used from (a
		// socket's watchers, an event's links, an Affinity's home): an
		// implicit hub handed out this way is never released.
		h.pin()
		return h, t == nil
	}
	hooks.Loop = func(h any) *loop.Loop {
		hub := h.(*Hub)
		hub.pin()
		return hub.loop
	}
	hooks.Rearm = func(w any) { w.(*Waiter).rearm() }
	hooks.Reset = func(w any) { w.(*Waiter).reset() }
	hooks.Disarm = func(w any) bool { return w.(*Waiter).disarm() }
	hooks.Bound = func(w any) bool { return w.(*Waiter).bound() }
	hooks.SwitchNow = func(w any) bool { return w.(*Waiter).switchNow() }
	hooks.SetRef = func(w any, ref bool) { w.(*Waiter).setRef(ref) }
	hooks.Checkpoint = func() error {
		if _, t := current(); t != nil {
			return t.preemptYield()
		}
		return nil
	}
	hooks.PassThrough = func() {
		if _, t := current(); t != nil {
			t.passThrough()
		}
	}
	hooks.Context = func() (any, any) {
		h, t := current()
		switch {
		case h == nil:
			return nil, nil
		case t == nil:
			return h, nil
		}
		return h, t
	}
	hooks.CheckpointTask = func(t any) error { return t.(*task).preemptYield() }
	hooks.PassThroughTask = func(t any) { t.(*task).passThrough() }
	hooks.TaskWaiter = func(t any, ref bool) any { return t.(*task).listWaiter(ref) }
	hooks.WaitTask = waitTaskHook
	hooks.SwitchFrom = func(w, h any) bool {
		hub, _ := h.(*Hub)
		return w.(*Waiter).switchFrom(hub)
	}
	hooks.Claim = func(w, t any) (bool, bool) { return w.(*Waiter).claimFor(t.(*task)) }
	hooks.HandOff = handOff
	hooks.LocalGet = localGet
	hooks.LocalSet = localSet
	hooks.LocalDelete = localDelete
	hooks.LocalReset = localReset
}
