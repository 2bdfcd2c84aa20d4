//go:build unix && !linux

package loop

// Outside Linux a child watcher listens for SIGCHLD and polls wait4 with
// WNOHANG for its pid on each delivery.

import "syscall"

type childImpl struct {
	sig *Signal
}

func (ci *childImpl) start(c *Child) error {
	if ci.sig == nil {
		ci.sig = c.loop.NewSignal(syscall.SIGCHLD, func() {
			if c.reap() {
				c.exited()
			}
		})
		ci.sig.SetRef(false)
	}
	if err := ci.sig.Start(); err != nil {
		return err
	}
	if c.reap() { // exited before the subscription
		c.loop.RunCallback(c.exited)
	}
	return nil
}

func (ci *childImpl) stop(*Child) {
	if ci.sig != nil {
		ci.sig.Stop()
	}
}

func (ci *childImpl) close() {}
