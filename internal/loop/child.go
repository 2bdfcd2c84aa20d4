//go:build unix

package loop

import (
	"errors"
	"fmt"

	"github.com/geventgo/gevent/internal/poller"
	"golang.org/x/sys/unix"
)

// Child calls its callback once when a child process exits, with the wait
// status the watcher reaped (libev's ev_child). The watcher reaps the process
// itself, so os.Process.Wait must not be used on the same pid.
type Child struct {
	watcher
	pid    int
	status unix.WaitStatus
	cb     func(pid int, status unix.WaitStatus)
	impl   childImpl
}

// NewChild returns a stopped watcher for the child process pid.
func (l *Loop) NewChild(pid int, cb func(pid int, status unix.WaitStatus)) (*Child, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("loop: invalid child pid %d", pid)
	}
	return &Child{watcher: watcher{loop: l}, pid: pid, cb: cb}, nil
}

// PID returns the watched process id.
func (c *Child) PID() int { return c.pid }

// Status returns the wait status reaped, valid after the callback ran.
func (c *Child) Status() unix.WaitStatus { return c.status }

// Start activates the watcher.
func (c *Child) Start() error {
	if c.closed || c.loop.closed {
		return ErrClosed
	}
	if c.active {
		return nil
	}
	if err := c.impl.start(c); err != nil {
		return err
	}
	c.activate()
	return nil
}

// Stop deactivates the watcher without reaping.
func (c *Child) Stop() {
	if c.deactivate() {
		c.impl.stop(c)
	}
}

// Close stops the watcher for good.
func (c *Child) Close() {
	c.Stop()
	c.impl.close()
	c.closed = true
}

func (c *Child) invoke(poller.Interest) { c.cb(c.pid, c.status) }

// reap collects the child's status without blocking; it reports whether the
// child had exited.
func (c *Child) reap() bool {
	var ws unix.WaitStatus
	for {
		pid, err := unix.Wait4(c.pid, &ws, unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || pid != c.pid {
			return false
		}
		c.status = ws
		return true
	}
}

// exited queues the callback and stops watching.
func (c *Child) exited() {
	c.impl.stop(c)
	c.deactivate()
	c.loop.feed(c, 0)
}
