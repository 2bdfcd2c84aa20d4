package waitlist

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
)

// order lists the nodes of l, callers by Item and links by "link <id>".
func order(l *List[string]) []string {
	var got []string
	for n := l.Front(); n != nil; n = l.Next(n) {
		if n.IsLink() {
			got = append(got, "link")
		} else {
			got = append(got, n.Item)
		}
	}
	return got
}

// TestListOrderAndRemoval: callers and links keep their arrival order, and
// a caller leaves from the middle.
func TestListOrderAndRemoval(t *testing.T) {
	var mu sync.Mutex
	var l List[string]
	a := l.PushWaiter(gevent.NewWaiter(), 1, "a")
	l.PushLink(&mu, func() {})
	b := l.PushWaiter(gevent.NewWaiter(), 2, "b")
	l.PushWaiter(gevent.NewWaiter(), 3, "c")
	if got, want := order(&l), []string{"a", "link", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("order = %v; want %v", got, want)
	}
	if !l.Remove(b) || l.Remove(b) {
		t.Errorf("Remove(b) twice = first true, then false expected")
	}
	if got, want := order(&l), []string{"a", "link", "c"}; !slices.Equal(got, want) {
		t.Errorf("order after Remove(b) = %v; want %v", got, want)
	}
	if n := l.PopFront(); n != a || n.Listed() || n.Kind != 1 {
		t.Errorf("PopFront = %v (listed %v); want a, unlisted", n, n.Listed())
	}
	if l.Len() != 2 {
		t.Errorf("Len = %d; want 2", l.Len())
	}
}

// TestReleaseReuses: a released waiter node comes back, cleared, for the
// next caller; Release also unlinks a node still listed.
func TestReleaseReuses(t *testing.T) {
	var l List[string]
	w := gevent.NewWaiter()
	n := l.PushWaiter(w, 1, "x")
	n.Handed = true
	l.Release(n) // still listed: unlinked
	if l.Len() != 0 || n.Listed() {
		t.Fatalf("Release left the node listed")
	}
	if n.W != nil || n.Item != "" || n.Handed || n.Kind != 0 {
		t.Errorf("released node not cleared: %+v", n)
	}
	if m := l.PushWaiter(w, 2, "y"); m != n || m.Item != "y" || m.Kind != 2 {
		t.Errorf("PushWaiter after Release = %p %+v; want the released node %p refilled", m, m, n)
	}
}

// TestUnlinkTakenLink: a link that a notification has taken off the list
// still does not run once unlinked; one that runs is gone.
func TestUnlinkTakenLink(t *testing.T) {
	var mu sync.Mutex
	var l List[struct{}]
	var ran []int
	id1 := l.PushLink(&mu, func() { ran = append(ran, 1) })
	id2 := l.PushLink(&mu, func() { ran = append(ran, 2) })
	n1, n2 := l.PopFront(), l.PopFront()
	if found, listed := l.Unlink(id2); !found || listed {
		t.Errorf("Unlink of a taken link = %v, %v; want true, false", found, listed)
	}
	Run(n1)
	Run(n2)
	Run(n1) // a second run does nothing
	if !slices.Equal(ran, []int{1}) {
		t.Errorf("ran = %v; want [1]", ran)
	}
	if found, _ := l.Unlink(id1); found {
		t.Errorf("Unlink of a link that ran found it")
	}
	id3 := l.AddLink(&mu, func() { ran = append(ran, 3) }).ID
	if found, listed := l.Unlink(id3); !found || listed {
		t.Errorf("Unlink of an added link = %v, %v; want true, false", found, listed)
	}
	if found, _ := l.Unlink(12345); found {
		t.Errorf("Unlink of an unknown id found it")
	}
}

// TestPark: d < 0 waits for the Switch, d >= 0 gives up after d.
func TestPark(t *testing.T) {
	w := gevent.NewWaiter()
	go w.Switch()
	if ok, err := Park(w, -1); !ok || err != nil {
		t.Errorf("Park(-1) = %v, %v; want true, nil", ok, err)
	}
	w = gevent.NewWaiter()
	if ok, err := Park(w, time.Millisecond); ok || err != nil {
		t.Errorf("Park(1ms) with nobody switching = %v, %v; want false, nil", ok, err)
	}
}

// TestContextWaiterReuse: a greenlet gets its one Waiter back for each wait;
// a loop callback, which cannot wait, gets a fresh one and so cannot re-arm
// the Waiter of the greenlet it runs beside.
func TestContextWaiterReuse(t *testing.T) {
	err := gevent.Run(func() {
		g := gevent.Go(func() {
			w1 := ContextWaiter(false)
			w1.Switch()
			if w2 := ContextWaiter(false); w2 != w1 || w2.Ready() {
				t.Errorf("second ContextWaiter = %p (ready %v); want %p re-armed", w2, w2.Ready(), w1)
			}
			done := make(chan *gevent.Waiter, 1)
			gevent.CurrentHub().RunCallback(func() { done <- ContextWaiter(false) })
			gevent.Sleep(0)
			if cw := <-done; cw == w1 {
				t.Errorf("a loop callback got the greenlet's Waiter")
			}
		})
		g.Join()
	})
	if err != nil {
		t.Fatal(err)
	}
}
