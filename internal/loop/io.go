package loop

import (
	"errors"
	"fmt"

	"github.com/geventgo/gevent/internal/poller"
)

// Interest bits for IO watchers, re-exported from the poller.
const (
	Read   = poller.Read
	Write  = poller.Write
	Error  = poller.Error
	Hangup = poller.Hangup
)

// Interest is a set of readiness bits.
type Interest = poller.Interest

// ErrBadFD is returned by NewIO for a negative descriptor.
var ErrBadFD = errors.New("loop: fd must be non-negative")

// IO watches a file descriptor for readability or writability. Several IO
// watchers may watch one descriptor. The callback receives the ready bits
// among the watcher's events, plus Error and Hangup.
type IO struct {
	watcher
	fd     int
	events Interest
	cb     func(revents Interest)
}

// fdState is the loop's view of one descriptor.
type fdState struct {
	gen        uint32 // generation of the current registration
	registered bool
	want       Interest // interest registered with a level-triggered poller
	changed    bool     // queued in fdChanges
	ready      Interest // readiness reported and not yet delivered (edge memory)
	watchers   []*IO
}

// NewIO returns a stopped watcher for fd. events is Read, Write or both.
func (l *Loop) NewIO(fd int, events Interest, cb func(revents Interest)) (*IO, error) {
	if fd < 0 {
		return nil, fmt.Errorf("%w: %d", ErrBadFD, fd)
	}
	if events&^(Read|Write) != 0 || events == 0 {
		return nil, fmt.Errorf("loop: invalid io events %v", events)
	}
	return &IO{watcher: watcher{loop: l}, fd: fd, events: events, cb: cb}, nil
}

// FD returns the watched descriptor.
func (w *IO) FD() int { return w.fd }

// Events returns the watched readiness bits.
func (w *IO) Events() Interest { return w.events }

// Start activates the watcher. If the descriptor became ready since a watcher
// of the same direction last fired, the callback is queued at once.
func (w *IO) Start() error {
	if w.closed || w.loop.closed {
		return ErrClosed
	}
	if !w.activate() {
		return nil
	}
	l := w.loop
	st := l.fdState(w.fd)
	st.watchers = append(st.watchers, w)
	l.markChanged(w.fd, st)
	if rev := st.ready & (w.events | Error | Hangup); rev != 0 {
		st.ready &^= w.events
		l.feed(w, rev)
	}
	return nil
}

// Stop deactivates the watcher and cancels a pending call.
func (w *IO) Stop() {
	if !w.deactivate() {
		return
	}
	l := w.loop
	st := l.fds[w.fd]
	for i, o := range st.watchers {
		if o == w {
			st.watchers = append(st.watchers[:i], st.watchers[i+1:]...)
			break
		}
	}
	l.markChanged(w.fd, st)
}

// Close stops the watcher for good. When it was the last watcher of its
// descriptor, the descriptor is removed from the poller, so the caller may
// close it and the number may be reused; events still queued for the old
// registration are dropped.
func (w *IO) Close() error {
	if w.closed {
		return nil
	}
	w.Stop()
	w.closed = true
	l := w.loop
	if l.closed || w.fd >= len(l.fds) || l.fds[w.fd] == nil {
		return nil
	}
	st := l.fds[w.fd]
	if len(st.watchers) > 0 {
		return nil
	}
	return l.forgetFD(w.fd, st)
}

// ForgetFD removes fd from the poller and drops its readiness memory. Call it
// before closing a descriptor that IO watchers watched; every watcher of fd
// must be stopped.
func (l *Loop) ForgetFD(fd int) error {
	if fd < 0 || fd >= len(l.fds) || l.fds[fd] == nil {
		return nil
	}
	return l.forgetFD(fd, l.fds[fd])
}

func (l *Loop) forgetFD(fd int, st *fdState) error {
	var err error
	if st.registered {
		err = l.p.Delete(fd)
	}
	st.registered, st.want, st.ready = false, 0, 0
	st.gen++
	return err
}

func (w *IO) invoke(revents Interest) { w.cb(revents) }

func (l *Loop) fdState(fd int) *fdState {
	if fd >= len(l.fds) {
		n := max(2*len(l.fds), fd+1, 64)
		fds := make([]*fdState, n)
		copy(fds, l.fds)
		l.fds = fds
	}
	st := l.fds[fd]
	if st == nil {
		st = &fdState{}
		l.fds[fd] = st
	}
	return st
}

func (l *Loop) markChanged(fd int, st *fdState) {
	if !st.changed {
		st.changed = true
		l.fdChanges = append(l.fdChanges, fd)
	}
}

// applyFDChanges registers new descriptors and, on level-triggered pollers,
// updates their interest to the union of their active watchers. A descriptor
// the poller refuses (a regular file under epoll, say) has its watchers fed
// with Error, so that their owners retry the system call and see the error
// instead of waiting forever.
func (l *Loop) applyFDChanges() {
	edge := l.p.EdgeTriggered()
	for _, fd := range l.fdChanges {
		st := l.fds[fd]
		st.changed = false
		var want Interest
		for _, w := range st.watchers {
			want |= w.events
		}
		var err error
		switch {
		case !st.registered && want != 0:
			err = l.p.Add(fd, st.gen, want)
			st.registered, st.want = err == nil, want
		case st.registered && !edge && want != st.want:
			err = l.p.Modify(fd, st.gen, want)
			st.want = want
		case st.registered && edge && want&^st.want != 0:
			// Widen only: a direction stays registered once asked for, so
			// an edge-triggered fd costs at most one epoll_ctl per direction.
			st.want |= want
			err = l.p.Modify(fd, st.gen, st.want)
		}
		if err != nil {
			l.failWatchers(st)
		}
	}
	l.fdChanges = l.fdChanges[:0]
}

// failWatchers reports a registration failure to the descriptor's watchers.
func (l *Loop) failWatchers(st *fdState) {
	for _, w := range st.watchers {
		l.feed(w, w.events|Error)
	}
}

// dispatchIO queues the watchers interested in one poller event.
func (l *Loop) dispatchIO(ev poller.Event) {
	fd := int(ev.FD)
	if fd >= len(l.fds) || l.fds[fd] == nil {
		return
	}
	st := l.fds[fd]
	if ev.Gen != st.gen || !st.registered {
		return // stale: reported for an earlier user of the number
	}
	st.ready |= ev.Ready
	if len(st.watchers) == 1 && l.pendq.len() == 0 && !l.breaking {
		// The common case: one watcher, and nothing queued that would run
		// before it. Calling it now instead of queueing it keeps the order
		// (queued IO watchers run before anything collected after them),
		// and spares a trip through the pending queue per event. After a
		// Break the rest is queued, as it would have been.
		w := st.watchers[0]
		if rev := ev.Ready & (w.events | Error | Hangup); rev != 0 {
			st.ready &^= rev & w.events
			l.ranIO = true
			w.invoke(rev)
		}
		return
	}
	var delivered Interest
	for _, w := range st.watchers {
		if rev := ev.Ready & (w.events | Error | Hangup); rev != 0 {
			delivered |= rev & w.events
			l.feed(w, rev)
		}
	}
	st.ready &^= delivered
}

// EdgeTriggered reports whether the backend reports readiness once per
// change (epoll, kqueue) rather than for as long as it lasts (poll): an IO
// watcher may then stay started while nobody is interested, at the cost of
// one callback per edge.
func (l *Loop) EdgeTriggered() bool { return l.p.EdgeTriggered() }
