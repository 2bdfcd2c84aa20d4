package loop

// On Linux a child watcher waits for its pidfd (pidfd_open(2), Linux 5.3) to
// become readable, which happens when the process exits; no SIGCHLD handler
// is installed, so os/exec keeps working for other children.

import (
	"os"

	"golang.org/x/sys/unix"
)

type childImpl struct {
	pidfd int
	io    *IO
}

func (ci *childImpl) start(c *Child) error {
	if ci.io == nil {
		fd, err := unix.PidfdOpen(c.pid, 0)
		if err != nil {
			return os.NewSyscallError("pidfd_open", err)
		}
		unix.CloseOnExec(fd)
		ci.pidfd = fd
		io, err := c.loop.NewIO(fd, Read, func(Interest) {
			if c.reap() {
				c.exited()
			}
		})
		if err != nil {
			unix.Close(fd)
			return err
		}
		io.SetRef(false) // the Child watcher itself holds the reference
		ci.io = io
	}
	return ci.io.Start()
}

func (ci *childImpl) stop(*Child) {
	if ci.io != nil {
		ci.io.Stop()
	}
}

func (ci *childImpl) close() {
	if ci.io != nil {
		ci.io.Close()
		unix.Close(ci.pidfd)
		ci.io = nil
	}
}
