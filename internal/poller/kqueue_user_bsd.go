//go:build darwin || dragonfly || freebsd

// golang.org/x/sys defines EVFILT_USER for these systems, so the kqueue
// backend wakes itself with a user event instead of a self-pipe.

package poller

import "golang.org/x/sys/unix"

const (
	evfiltUser  = unix.EVFILT_USER  // filter of the wake event; never 0 here
	noteTrigger = unix.NOTE_TRIGGER // fflags that fire it
)
