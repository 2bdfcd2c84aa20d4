package event

import (
	"sync"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/internal/waitlist"
)

// linkNode is a node of a linkable's wait list.
type linkNode = waitlist.Node[struct{}]

// aff is the Affinity of a waitable object, embedded under this unexported
// name so that it adds nothing to the object's API (see hubapi.Affinity).
type aff = hubapi.Affinity

// linkable is the wait list and notification protocol shared by Event and
// AsyncResult (gevent's AbstractLinkable). Its owner keeps its ready state
// under mu. Waiters and links are notified in the order they arrived, each
// waiter through its Waiter, switched under mu (a hub callback on the
// waiter's hub, or a channel send for a plain goroutine), and each link as a
// callback of the notifying hub; a notifier that is a plain goroutine runs
// the links itself, in order, once mu is released.
type linkable struct {
	aff // embedded: JoinAll finds the object's hub through it

	mu   sync.Mutex // guards the fields below and the owner's state
	list waitlist.List[struct{}]
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
		if l.inflight > 0 {
			if here, cb := hubapi.Here(); !cb {
				h = here
			}
		}
		if h == nil {
			l.mu.Unlock()
			return true, nil
		}
	}
	if !ready {
		// Notifications switch the Waiter under mu only: it may be the
		// caller's reused one.
		w := waitlist.ContextWaiter(shared)
		n := l.list.PushWaiter(w, 0, struct{}{})
		l.mu.Unlock()
		return l.park(w, n, d)
	}
	// The hub callback below holds w outside mu: a Waiter of its own.
	w := gevent.NewWaiter()
	hubapi.SetRef(w, shared)
	l.inflight++
	l.mu.Unlock()
	hubapi.Loop(h).Post(switchWaiter, w)
	ok, err := l.park(w, nil, d)
	// The owner was ready when the caller came: a limit that passed before
	// its turn does not make it a timeout.
	return ok || err == nil, err
}

// switchWaiter wakes a waiter when its turn in the hub's FIFO comes.
func switchWaiter(arg any) { arg.(*gevent.Waiter).Switch() }

// park waits on w, then leaves the wait: a waiter that was not woken
// removes its node n from the list; one that counts as in flight no longer
// does. n is nil when waitLocked counted the waiter in flight and queued
// its wake-up itself.
func (l *linkable) park(w *gevent.Waiter, n *linkNode, d time.Duration) (ok bool, err error) {
	defer func() { // also when a destroyed hub unwinds the caller
		l.mu.Lock()
		if n == nil || n.Handed {
			// Counted by waitLocked, or by the notification that woke it;
			// otherwise it gave up before any notification took it.
			l.inflight--
		}
		if n != nil {
			l.list.Release(n)
		}
		l.mu.Unlock()
	}()
	return waitlist.Park(w, d)
}

// notifyLocked takes the whole wait list and notifies it in order; mu must
// be held. Each waiter is switched at once (its hub resumes it later, or its
// goroutine wakes), and counts as in flight until its wait returns; one that
// already gave up (its timeout or a kill won) is skipped. Each link is
// queued on the notifier's hub, behind the waiters before it; a notifier
// without a hub gets the links back, to run with mu released. The links
// stay registered until they run, so that Unlink, even by another link of
// the same notification, still withdraws them.
func (l *linkable) notifyLocked() (syncLinks []*linkNode) {
	var h *gevent.Hub
	looked := false
	for n := l.list.PopFront(); n != nil; n = l.list.PopFront() {
		if !n.IsLink() {
			if n.W.Switch() {
				n.Handed = true
				l.inflight++
			}
			continue
		}
		if !looked {
			h, looked = hubapi.CurrentHubIfAny(), true
		}
		if h == nil {
			syncLinks = append(syncLinks, n)
		} else {
			hubapi.Loop(h).Post(waitlist.RunLink[struct{}], n)
		}
	}
	return syncLinks
}

// runLinks runs the links notifyLocked returned; mu must not be held.
func runLinks(links []*linkNode) {
	for _, n := range links {
		waitlist.Run(n)
	}
}

// runLink queues the link n on hub h, the notifier's, or runs it at once
// when the notifier has no hub. It does not run if it is unlinked first.
func runLink(h *gevent.Hub, n *linkNode) {
	if h == nil {
		waitlist.Run(n)
		return
	}
	hubapi.Loop(h).Post(waitlist.RunLink[struct{}], n)
}

// rawLinkLocked registers fn, or queues it at once when the owner is ready;
// mu must be held and is unlocked.
func (l *linkable) rawLinkLocked(ready bool, fn func()) gevent.LinkID {
	if !ready {
		id := l.list.PushLink(&l.mu, fn)
		l.mu.Unlock()
		return id
	}
	n := l.list.AddLink(&l.mu, fn)
	l.mu.Unlock()
	runLink(hubapi.CurrentHubIfAny(), n)
	return n.ID
}

func (l *linkable) unlink(id gevent.LinkID) {
	hubapi.Touch(&l.aff)
	l.mu.Lock()
	l.list.Unlink(id)
	l.mu.Unlock()
}

func (l *linkable) linkCount() int {
	hubapi.Touch(&l.aff)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.list.Len()
}
