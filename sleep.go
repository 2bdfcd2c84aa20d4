package gevent

import (
	"runtime"
	"time"
)

// Sleep suspends the calling greenlet for d (gevent.sleep). Sleep(0) (or a
// negative d) moves it to the tail of the hub's FIFO: the greenlets and
// callbacks already queued run first, and it resumes before the loop polls
// for I/O unless the switch interval has passed. A positive d goes through
// the timer heap and resumes in a later loop iteration. Sleep returns nil, or
// the kill or Timeout error that interrupted it. Called on a goroutine
// without a hub, it creates none: it is time.Sleep (runtime.Gosched for
// d <= 0), since nothing could interrupt it there.
func Sleep(d time.Duration) error {
	h, t := current()
	if h == nil {
		if d <= 0 {
			runtime.Gosched()
		} else {
			time.Sleep(d)
		}
		return nil
	}
	w, err := sleepWaiter(h, t)
	if err != nil {
		return err
	}
	if d <= 0 {
		h.loop.PostTagged(sleep0Wake, w, tagSleep0)
		t.park(w)
	} else {
		t.startTimer(d, w)
		t.park(w)
		t.timer.Stop()
	}
	if _, err := w.result(); err != nil {
		return err
	}
	return nil
}

// sleep0Wake wakes a Sleep(0) when its turn in the FIFO comes.
func sleep0Wake(arg any) {
	if t := takeSleep0(arg.(*Waiter)); t != nil {
		t.hub.switchTo(t)
	}
}

// takeSleep0 is takeResume for sleep0Wake.
func takeSleep0(w *Waiter) *task {
	if w.state.CompareAndSwap(armed, switched) {
		return takeResume(w)
	}
	return nil
}

// Idle waits until the loop has nothing else to do: it resumes in an
// iteration in which no other watcher or callback was pending (gevent.idle).
// Called on a goroutine without a hub, it creates none and only yields the
// processor (runtime.Gosched).
func Idle() error {
	h, t := current()
	if h == nil {
		runtime.Gosched()
		return nil
	}
	w, err := sleepWaiter(h, t)
	if err != nil {
		return err
	}
	idle := h.loop.NewIdle(func() { w.Switch() })
	idle.Start()
	t.park(w)
	idle.Close()
	_, err = w.result()
	return err
}

// sleepWaiter returns the caller's re-armed Sleep waiter, or the error that
// a blocking call must return at once.
func sleepWaiter(h *Hub, t *task) (*Waiter, error) {
	if t == nil {
		return nil, ErrBlockingSwitchOut
	}
	if err := t.preemptYield(); err != nil {
		return nil, err
	}
	w := &t.sleepW
	w.t, w.hub = t, h
	w.reset()
	return w, nil
}
