package loop

import "github.com/geventgo/gevent/internal/poller"

// watcher is the header shared by every watcher kind: libev's active, pending
// and ref state. All fields are loop-only.
type watcher struct {
	loop    *Loop
	active  bool
	pending bool
	closed  bool
	unref   bool // the watcher does not keep the loop alive
	revents poller.Interest
}

// pending is an entry of the loop's pending queue: the watcher and its
// header, kept together so that invoking it costs one dynamic call.
type pending struct {
	w   *watcher
	inv invoker
}

// invoker is a watcher that can sit in the loop's pending queue.
type invoker interface {
	header() *watcher
	invoke(revents poller.Interest)
}

func (w *watcher) header() *watcher { return w }

// Active reports whether the watcher is started.
func (w *watcher) Active() bool { return w.active }

// Pending reports whether the watcher's callback is queued for this iteration.
func (w *watcher) Pending() bool { return w.pending }

// Ref reports whether the watcher keeps the loop alive while active. Watchers
// are created with Ref true.
func (w *watcher) Ref() bool { return !w.unref }

// SetRef sets whether the watcher keeps the loop alive while active (libev's
// ev_ref/ev_unref on a watcher, gevent's ref property).
func (w *watcher) SetRef(ref bool) {
	if ref == !w.unref {
		return
	}
	w.unref = !ref
	if w.active {
		if ref {
			w.loop.refs++
		} else {
			w.loop.refs--
		}
	}
}

// activate marks the watcher active; it reports false when it already was.
func (w *watcher) activate() bool {
	if w.active {
		return false
	}
	w.active = true
	if !w.unref {
		w.loop.refs++
	}
	return true
}

// deactivate marks the watcher inactive and cancels a pending call; it reports
// false when the watcher was not active.
func (w *watcher) deactivate() bool {
	w.pending = false
	w.revents = 0
	if !w.active {
		return false
	}
	w.active = false
	if !w.unref {
		w.loop.refs--
	}
	return true
}

// feed queues inv's callback with revents, merging with a call already queued.
func (l *Loop) feed(inv invoker, revents poller.Interest) {
	w := inv.header()
	w.revents |= revents
	if w.pending {
		return
	}
	w.pending = true
	l.pendq.push(pending{w, inv})
}

// invokePending calls the queued watchers in order until the queue is empty or
// Break is called. Watchers stopped after being queued are skipped.
func (l *Loop) invokePending() {
	for l.pendq.len() > 0 && !l.breaking {
		p := l.pendq.pop()
		w := p.w
		if !w.pending {
			continue
		}
		rev := w.revents
		w.pending = false
		w.revents = 0
		p.inv.invoke(rev)
	}
}
