package event

import (
	"errors"
	"sync"
	"time"

	"github.com/geventgo/gevent"
)

// errAbandoned settles the Waiter of a wait that ended without returning
// (its greenlet was unwound by a destroyed hub). Nobody receives it.
var errAbandoned = errors.New("event: wait abandoned")

// entry is one element of a wait list: a blocked Waiter or a RawLink
// callback. The zero entry is a hole left by a removal.
type entry struct {
	w  *gevent.Waiter // a parked waiter; nil for a link
	fn func()         // a link's callback; nil for a waiter
	id gevent.LinkID  // a link's id
}

func (e entry) hole() bool { return e.w == nil && e.fn == nil }

// waitList is the FIFO of a linkable. Removing an entry leaves a hole
// instead of shifting the rest, so that timeouts, which mostly strike the
// oldest waiters first, cost O(1); holes are squeezed out when they
// outnumber the live entries and before the list is taken.
type waitList struct {
	items []entry // items[head:] are the queued entries, holes included
	head  int     // index of the first queued entry
	holes int     // holes in items[head:]
}

// len returns the number of live entries.
func (q *waitList) len() int { return len(q.items) - q.head - q.holes }

func (q *waitList) push(e entry) {
	if q.head > 0 && len(q.items) == cap(q.items) {
		q.compact()
	}
	q.items = append(q.items, e)
}

// removeWaiter removes w's entry and reports whether it was queued.
func (q *waitList) removeWaiter(w *gevent.Waiter) bool {
	for i := q.head; i < len(q.items); i++ {
		if q.items[i].w == w {
			q.removeAt(i)
			return true
		}
	}
	return false
}

// removeLink removes the link with the given id and reports whether it was
// queued.
func (q *waitList) removeLink(id gevent.LinkID) bool {
	for i := q.head; i < len(q.items); i++ {
		if e := q.items[i]; e.w == nil && e.fn != nil && e.id == id {
			q.removeAt(i)
			return true
		}
	}
	return false
}

func (q *waitList) removeAt(i int) {
	q.items[i] = entry{}
	q.holes++
	for q.head < len(q.items) && q.items[q.head].hole() {
		q.head++
		q.holes--
	}
	switch {
	case q.head == len(q.items):
		q.items, q.head = q.items[:0], 0
	case q.holes > 16 && q.holes > q.len():
		q.compact()
	}
}

// compact moves the live entries to the front of the array.
func (q *waitList) compact() {
	n := 0
	for _, e := range q.items[q.head:] {
		if !e.hole() {
			q.items[n] = e
			n++
		}
	}
	clear(q.items[n:])
	q.items, q.head, q.holes = q.items[:n], 0, 0
}

// take returns the live entries in order and leaves the list empty, using
// spare's array for the entries queued from now on.
func (q *waitList) take(spare []entry) []entry {
	if q.holes > 0 {
		q.compact()
	}
	batch := q.items[q.head:]
	q.items, q.head = spare[:0], 0
	return batch
}

// linkable is the wait list and notification protocol shared by Event and
// AsyncResult (gevent's AbstractLinkable). Its owner keeps its ready state
// under mu. Waiters and links are notified in the order they arrived, each
// waiter through its Waiter (a hub callback on the waiter's hub, or a
// channel send for a plain goroutine) and each link as a callback of the
// notifying hub, or synchronously when the notifier is a plain goroutine.
type linkable struct {
	aff gevent.Affinity

	mu     sync.Mutex // guards the fields below and the owner's state
	list   waitList
	spare  []entry // the array of a taken list, for reuse
	lastID gevent.LinkID
	// inflight counts waiters that a notification took from the list and
	// whose wait has not returned yet. While it is positive, a caller that
	// finds the owner ready queues behind them (see waitLocked).
	inflight int
}

// waitLocked waits until the owner is ready; ready is its state, read with
// mu held, and waitLocked unlocks mu. d < 0 waits forever. It reports false,
// nil when d passes first, and the Waiter's error when the wait fails.
//
// A caller that finds the owner ready while a notification is still waking
// the waiters it took does not return at once: it queues a wake-up of its
// own at the tail of its hub's FIFO, behind theirs, so that it runs after
// them, as in gevent (20.5.1). Loop callbacks, which cannot wait, and
// goroutines without a hub, which have no FIFO, return at once.
func (l *linkable) waitLocked(ready, shared bool, d time.Duration) (bool, error) {
	var h *gevent.Hub // the caller's hub, when it must queue behind
	if ready {
		if l.inflight > 0 && !gevent.InLoopCallback() {
			h = gevent.CurrentHubIfAny()
		}
		if h == nil {
			l.mu.Unlock()
			return true, nil
		}
	}
	w := gevent.NewWaiter()
	w.SetRef(shared)
	if !ready {
		l.list.push(entry{w: w})
		l.mu.Unlock()
		return l.park(w, d, true)
	}
	l.inflight++
	l.mu.Unlock()
	h.Loop().Post(switchWaiter, w)
	ok, err := l.park(w, d, false)
	// The owner was ready when the caller came: a limit that passed before
	// its turn does not make it a timeout.
	return ok || err == nil, err
}

// switchWaiter wakes a waiter when its turn in the hub's FIFO comes.
func switchWaiter(arg any) { arg.(*gevent.Waiter).Switch() }

// park waits on w, then leaves the wait: a waiter that was not woken
// removes its entry from the list; one that counts as in flight no longer
// does. listed tells whether w was queued on the list; if not, waitLocked
// counted it in flight and queued its wake-up itself.
func (l *linkable) park(w *gevent.Waiter, d time.Duration, listed bool) (ok bool, err error) {
	returned := false
	defer func() { // also when a destroyed hub unwinds the caller
		l.mu.Lock()
		switch {
		case !listed || returned && ok:
			// Counted by waitLocked, or by the notification that woke it.
			l.inflight--
		case l.list.removeWaiter(w):
			// Gave up before any notification took it.
		case !returned && !w.Throw(errAbandoned):
			// Unwound after a notification switched it. (If the Throw
			// wins, that notification's Switch fails and it uncounts w.)
			l.inflight--
		}
		l.mu.Unlock()
	}()
	if d < 0 {
		err = w.Wait()
		ok = err == nil
	} else {
		ok, err = w.WaitTimeout(d)
	}
	returned = true
	return ok, err
}

// maxSpare bounds the array kept for reuse after a notification, so that a
// crowd of waiters once does not pin a large array for the object's life.
const maxSpare = 256

// takeLocked takes the whole wait list for notify; mu must be held. The
// waiters it takes count as in flight until their waits return.
func (l *linkable) takeLocked() []entry {
	if l.list.len() == 0 {
		return nil
	}
	batch := l.list.take(l.spare)
	l.spare = nil
	for _, e := range batch {
		if e.w != nil {
			l.inflight++
		}
	}
	return batch
}

// notify wakes the waiters and runs the links of a batch taken by
// takeLocked, in order; mu must not be held. A waiter that already gave up
// (its timeout or a kill won) is skipped and no longer counts as in flight.
func (l *linkable) notify(batch []entry) {
	// The entries are cleared as they are used, so that a spare array holds
	// no Waiter or callback.
	var h *gevent.Hub
	looked, gone := false, 0
	for i, e := range batch {
		batch[i] = entry{}
		if e.w != nil {
			if !e.w.Switch() {
				gone++
			}
			continue
		}
		if !looked {
			h, looked = gevent.CurrentHubIfAny(), true
		}
		runLink(h, e.fn)
	}
	l.mu.Lock()
	l.inflight -= gone
	if l.spare == nil && cap(batch) <= maxSpare {
		l.spare = batch[:0]
	}
	l.mu.Unlock()
}

// runLink queues fn on hub h, the notifier's, or calls it at once when the
// notifier has no hub.
func runLink(h *gevent.Hub, fn func()) {
	if h == nil {
		fn()
		return
	}
	h.Loop().Post(callFunc, fn)
}

func callFunc(arg any) { arg.(func())() }

// rawLinkLocked registers fn, or queues it at once when the owner is ready;
// mu must be held and is unlocked.
func (l *linkable) rawLinkLocked(ready bool, fn func()) gevent.LinkID {
	l.lastID++
	id := l.lastID
	if !ready {
		l.list.push(entry{fn: fn, id: id})
		l.mu.Unlock()
		return id
	}
	l.mu.Unlock()
	runLink(gevent.CurrentHubIfAny(), fn)
	return id
}

func (l *linkable) unlink(id gevent.LinkID) {
	l.aff.Touch()
	l.mu.Lock()
	l.list.removeLink(id)
	l.mu.Unlock()
}

func (l *linkable) linkCount() int {
	l.aff.Touch()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.list.len()
}

// timeout converts a public WaitTimeout duration: negative means zero.
func timeout(d time.Duration) time.Duration { return max(d, 0) }
