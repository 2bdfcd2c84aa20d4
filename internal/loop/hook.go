package loop

import "github.com/geventgo/gevent/internal/poller"

// Hook is a prepare, check or idle watcher: while active, its callback runs
// once per loop iteration in its phase. Prepare hooks run before the loop
// polls, check hooks after; idle hooks run only in iterations in which
// nothing else was pending, and make the poll not block.
type Hook struct {
	watcher
	cb   func()
	list *hookList
}

// hookList holds the active hooks of one phase in start order.
type hookList struct {
	hooks []*Hook
}

func (hl *hookList) len() int { return len(hl.hooks) }

// NewPrepare returns a stopped prepare hook.
func (l *Loop) NewPrepare(cb func()) *Hook { return l.newHook(cb, &l.prepare) }

// NewCheck returns a stopped check hook.
func (l *Loop) NewCheck(cb func()) *Hook { return l.newHook(cb, &l.check) }

// NewIdle returns a stopped idle hook.
func (l *Loop) NewIdle(cb func()) *Hook { return l.newHook(cb, &l.idle) }

func (l *Loop) newHook(cb func(), list *hookList) *Hook {
	return &Hook{watcher: watcher{loop: l}, cb: cb, list: list}
}

// Start activates the hook. Starting an active hook does nothing.
func (h *Hook) Start() error {
	if h.closed || h.loop.closed {
		return ErrClosed
	}
	if h.activate() {
		h.list.hooks = append(h.list.hooks, h)
	}
	return nil
}

// Stop deactivates the hook and cancels a pending call.
func (h *Hook) Stop() {
	if !h.deactivate() {
		return
	}
	for i, o := range h.list.hooks {
		if o == h {
			h.list.hooks = append(h.list.hooks[:i], h.list.hooks[i+1:]...)
			break
		}
	}
}

// Close stops the hook for good.
func (h *Hook) Close() {
	h.Stop()
	h.closed = true
}

func (h *Hook) invoke(poller.Interest) { h.cb() }

// feedAll queues every active hook of the list.
func (hl *hookList) feedAll(l *Loop) {
	for _, h := range hl.hooks {
		l.feed(h, 0)
	}
}
