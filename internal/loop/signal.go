package loop

import (
	"os"
	"os/signal"

	"github.com/geventgo/gevent/internal/poller"
)

// Signal calls its callback on the loop's goroutine when the process receives
// a signal. Deliveries are taken from os/signal, so other packages' handlers
// keep working; several deliveries before the loop runs may be coalesced.
type Signal struct {
	watcher
	sig os.Signal
	cb  func()
}

// sigState forwards one signal from os/signal to the loop.
type sigState struct {
	l        *Loop
	ch       chan os.Signal
	watchers []*Signal
}

// NewSignal returns a stopped watcher for sig.
func (l *Loop) NewSignal(sig os.Signal, cb func()) *Signal {
	return &Signal{watcher: watcher{loop: l}, sig: sig, cb: cb}
}

// Start activates the watcher and subscribes the loop to the signal.
func (s *Signal) Start() error {
	if s.closed || s.loop.closed {
		return ErrClosed
	}
	if !s.activate() {
		return nil
	}
	l := s.loop
	if l.signals == nil {
		l.signals = make(map[os.Signal]*sigState)
	}
	st := l.signals[s.sig]
	if st == nil {
		st = &sigState{l: l, ch: make(chan os.Signal, 1)}
		l.signals[s.sig] = st
		signal.Notify(st.ch, s.sig)
		go st.forward()
	}
	st.watchers = append(st.watchers, s)
	return nil
}

// Stop deactivates the watcher; the loop unsubscribes when no watcher of the
// signal is left.
func (s *Signal) Stop() {
	if !s.deactivate() {
		return
	}
	st := s.loop.signals[s.sig]
	for i, o := range st.watchers {
		if o == s {
			st.watchers = append(st.watchers[:i], st.watchers[i+1:]...)
			break
		}
	}
	if len(st.watchers) == 0 {
		delete(s.loop.signals, s.sig)
		st.stop()
	}
}

// Close stops the watcher for good.
func (s *Signal) Close() {
	s.Stop()
	s.closed = true
}

func (s *Signal) invoke(poller.Interest) { s.cb() }

func (st *sigState) forward() {
	for range st.ch {
		if st.l.PostThreadsafe(deliverSignal, st) != nil {
			return
		}
	}
}

func (st *sigState) stop() {
	signal.Stop(st.ch)
	close(st.ch)
}

// deliverSignal runs on the loop and queues the signal's active watchers.
func deliverSignal(arg any) {
	st := arg.(*sigState)
	for _, w := range st.watchers {
		st.l.feed(w, 0)
	}
}

func (l *Loop) closeSignals() {
	for sig, st := range l.signals {
		for _, w := range st.watchers {
			w.deactivate()
		}
		st.watchers = nil
		delete(l.signals, sig)
		st.stop()
	}
}
