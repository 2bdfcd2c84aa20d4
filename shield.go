package gevent

import "github.com/geventgo/gevent/internal/loop"

// Shield runs fn with the caller's kills and outer Timeouts held back, so
// that cleanup after a kill can block (Trio's shielded cancel scope). Kill
// is sticky — every blocking call of a killed greenlet fails — so code
// that must wait while it cleans up (flush a buffer, say goodbye to a peer,
// sleep before a retry) runs that part in a Shield:
//
//	if err := conn.Read(buf); err != nil {
//		gevent.Shield(func() error { return conn.Write(bye) }, gevent.Within(time.Second))
//		return err
//	}
//
// Inside fn, a kill of the caller (before or during the Shield) and the
// expiry of a Timeout started before the Shield do not interrupt fn's
// blocking calls; Timeouts that fn starts itself still do. The shield ends
// when fn returns or when its own bound passes (Within(d); without it there
// is none, and d <= 0 ends it at once), whichever comes first. The held
// kill is then delivered again: to fn's pending blocking call if the bound
// passed, else to the caller's next blocking call; so is a held Timeout,
// once. Shields nest; a kill is held while any of them lasts. Hub
// destruction is never held back.
//
// Shield returns fn's error. It honours Within only. Called from a loop
// callback or a goroutine without a hub, where nothing can be killed, it
// simply calls fn.
func Shield(fn func() error, opts ...Option) error {
	h, t := current()
	if h == nil || t == nil {
		return fn()
	}
	o := makeOptions(opts)
	if o.HasTimeout && o.Timeout <= 0 {
		return fn()
	}
	s := &shieldScope{t: t}
	t.shields++
	if o.HasTimeout {
		s.timer = h.loop.NewTimer(s.lift)
		h.loop.UpdateNow()
		s.timer.Start(o.Timeout, 0)
	}
	defer func() {
		if s.timer != nil {
			s.timer.Close()
		}
		s.lift()
	}()
	return fn()
}

// shieldScope is one active Shield call.
type shieldScope struct {
	t      *task
	timer  *loop.Timer // the bound, if any
	lifted bool
}

// lift ends the scope once: at fn's return or when the bound passes (then
// from a loop callback of the task's hub).
func (s *shieldScope) lift() {
	if s.lifted {
		return
	}
	s.lifted = true
	t := s.t
	t.shields--
	// Timeouts of t held for this depth or deeper become deliverable.
	h := t.hub
	kept := h.heldTimeouts[:0]
	var due []*Timeout
	for _, to := range h.heldTimeouts {
		if to.t == t && to.depth >= t.shields {
			due = append(due, to)
		} else {
			kept = append(kept, to)
		}
	}
	for i := len(kept); i < len(h.heldTimeouts); i++ {
		h.heldTimeouts[i] = nil
	}
	h.heldTimeouts = kept
	if t.shields == 0 && t.killErr != nil && t.interrupt(t.killErr) {
		// The kill went to the pending call; the Timeouts wait for the
		// next one.
		for _, to := range due {
			t.holdPending(to)
		}
		return
	}
	for _, to := range due {
		to.deliver()
	}
}
