package server

import "github.com/geventgo/gevent"

// slots limits the handlers of one hub. It is hub-only: every method runs on
// the hub that owns it, so no lock is needed.
type slots struct {
	max     int // <= 0: unlimited
	used    int
	waiters []*gevent.Waiter
}

// acquire waits for a free slot. It returns the caller's kill or Timeout
// error if interrupted.
func (s *slots) acquire() error {
	for s.max > 0 && s.used >= s.max {
		w := gevent.NewWaiter()
		s.waiters = append(s.waiters, w)
		if err := w.Wait(); err != nil {
			s.remove(w)
			return err
		}
	}
	s.used++
	return nil
}

// release frees a slot and wakes the first waiter.
func (s *slots) release() {
	s.used--
	for len(s.waiters) > 0 {
		w := s.waiters[0]
		s.waiters = s.waiters[1:]
		if w.Switch() {
			return
		}
	}
}

func (s *slots) remove(w *gevent.Waiter) {
	for i, o := range s.waiters {
		if o == w {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			return
		}
	}
}
